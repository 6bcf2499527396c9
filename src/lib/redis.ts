import { Redis, type RedisOptions } from "ioredis";
import { settleWithin } from "./settle-within";

/**
 * BullMQ needs `maxRetriesPerRequest: null` on connections used by workers (blocking
 * commands must wait out a Redis restart instead of failing the job). A `subscriber` (pub/sub)
 * connection runs nothing but SUBSCRIBE, so it gets no pipelining either.
 */
export function createRedis(url: string, role: "client" | "worker" | "subscriber" = "client"): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: role === "worker" ? null : 3,
    // Commands issued in the same tick (leases of a worker's concurrent jobs, say) go out in
    // one write. BullMQ's blocking connection keeps plain ordering.
    enableAutoPipelining: role === "client",
    enableReadyCheck: true,
    lazyConnect: false,
  });
}

/**
 * QUIT when connected (lets pending replies arrive), for at most `timeoutMs`; otherwise, or
 * then, drop the socket, which also stops ioredis's reconnect timer. A QUIT sent to a server
 * that is down, or stopped (SIGSTOP: the kernel still accepts, nothing answers), would wait
 * forever, and shutdown must not.
 */
export async function closeRedis(redis: Redis, timeoutMs = 1_000): Promise<void> {
  if (redis.status === "ready" && (await settleWithin(redis.quit(), timeoutMs)) === "done") return;
  redis.disconnect();
}

/**
 * Connection options for a client that BullMQ creates and owns itself. A Queue given a shared
 * client and closed while still connecting leaves a rejection no one listens to (BullMQ
 * removes its listeners on close), which crashes the process; an owned one it shuts down.
 */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(Number.isInteger(db) ? { db } : {}),
    ...(u.protocol === "rediss:" ? { tls: {} } : {}),
    maxRetriesPerRequest: 3,
  };
}
