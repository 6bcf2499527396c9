import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * Caps how many deliveries one webhook has in flight across every worker process, so a slow
 * or dead endpoint holds a few worker slots, not all of them. A Redis sorted set of leases
 * per webhook; each lease expires by itself, so a worker killed mid-request cannot leak one.
 */
export interface InFlightLimiter {
  /** A lease token, or null when the webhook is at its limit. */
  acquire(webhookId: string): Promise<string | null>;
  release(webhookId: string, token: string): Promise<void>;
}

const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

type WithAcquire = Redis & {
  hookrelayAcquireLease(key: string, now: number, leaseMs: number, limit: number, token: string): Promise<number>;
};

export function createInFlightLimiter(redis: Redis, opts: { prefix: string; limit: number; leaseMs: number }): InFlightLimiter {
  const key = (webhookId: string) => `${opts.prefix}:inflight:${webhookId}`;
  // A defined command goes by EVALSHA: the script's hash, not its text, on every acquire.
  if (!("hookrelayAcquireLease" in redis)) redis.defineCommand("hookrelayAcquireLease", { numberOfKeys: 1, lua: ACQUIRE });
  const client = redis as WithAcquire;
  return {
    async acquire(webhookId) {
      const token = randomUUID();
      const ok = await client.hookrelayAcquireLease(key(webhookId), Date.now(), opts.leaseMs, opts.limit, token);
      return ok === 1 ? token : null;
    },
    async release(webhookId, token) {
      await redis.zrem(key(webhookId), token);
    },
  };
}
