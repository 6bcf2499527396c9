import { Redis } from "ioredis";

/**
 * BullMQ needs `maxRetriesPerRequest: null` on connections used by workers (blocking
 * commands must wait out a Redis restart instead of failing the job).
 */
export function createRedis(url: string, role: "client" | "worker" = "client"): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: role === "worker" ? null : 3,
    enableReadyCheck: true,
    lazyConnect: false,
  });
}

/**
 * QUIT when connected (lets pending replies arrive); otherwise drop the socket, which also
 * stops ioredis's reconnect timer. A quit sent to a server that is down would wait forever.
 */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === "ready") {
    await redis.quit().catch(() => redis.disconnect());
  } else {
    redis.disconnect();
  }
}
