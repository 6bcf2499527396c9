import type { Redis } from "ioredis";
import { emissionIntervalMs, type RateDecision, type RateRule } from "./policy";

/** Takes one request from a bucket. Never throws: trouble is an `unavailable` decision. */
export type RateLimiter = (key: string, rule: RateRule) => Promise<RateDecision>;

/**
 * GCRA in one atomic script. The key holds the bucket's "theoretical arrival time" (TAT) in
 * microseconds; a request is allowed if it does not arrive earlier than TAT - burst·interval.
 * Redis's own clock is used, so API processes with skewed clocks share one notion of now.
 * Returns {allowed, retryAfterUs | remaining, resetUs}.
 */
const GCRA = `
if redis.replicate_commands then redis.replicate_commands() end
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local allowAt = tat + interval - burst * interval
if now < allowAt then
  return {0, math.ceil(allowAt - now), math.ceil(tat - now)}
end
local newTat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', newTat), 'PX', math.ceil((newTat - now) / 1000))
return {1, math.floor((now - allowAt) / interval), math.ceil(newTat - now)}
`;

const COMMAND = "hookrelayRateLimitTake";
type WithCommand = Redis & Record<typeof COMMAND, (key: string, intervalUs: number, burst: number) => Promise<[number, number, number]>>;

export interface RedisLimiterOptions {
  /** Key prefix: the deployment's (and in tests, the test file's) own namespace. */
  prefix: string;
  /** The most a request may wait for Redis; past it, the request goes through uncounted. */
  timeoutMs: number;
}

/**
 * Fails open: with Redis down, slow or erroring, requests are allowed (and the caller is told
 * why, to log it). Ingestion must keep answering 202 while Redis is away — the events are in
 * Postgres and the recovery sweep enqueues them later — and a rate limiter must not be the
 * thing that stops it. A client known to be disconnected is not even asked, so an outage adds
 * no delay at all; a hanging one adds at most `timeoutMs`.
 */
export function createRedisRateLimiter(redis: Redis, opts: RedisLimiterOptions): RateLimiter {
  const client = redis as WithCommand;
  if (typeof client[COMMAND] !== "function") redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: GCRA });

  return async (key, rule) => {
    if (redis.status !== "ready") return { kind: "unavailable", reason: `redis is ${redis.status}` };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<RateDecision>((resolve) => {
      timer = setTimeout(() => resolve({ kind: "unavailable", reason: `redis took longer than ${opts.timeoutMs} ms` }), opts.timeoutMs);
    });
    const take = client[COMMAND](`${opts.prefix}:ratelimit:${key}`, Math.round(emissionIntervalMs(rule) * 1_000), rule.burst).then(
      ([allowed, n, resetUs]): RateDecision =>
        allowed === 1 ? { kind: "allowed", remaining: n, resetMs: resetUs / 1_000 } : { kind: "limited", retryAfterMs: n / 1_000, resetMs: resetUs / 1_000 },
      (err: unknown): RateDecision => ({ kind: "unavailable", reason: err instanceof Error ? err.message : String(err) }),
    );
    try {
      return await Promise.race([take, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}
