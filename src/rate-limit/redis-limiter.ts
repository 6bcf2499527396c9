import type { Redis } from "ioredis";
import { emissionIntervalMs, type Bucket, type RateDecision } from "./policy";

/**
 * Takes one request from every bucket at once, or from none: a request one bucket refuses costs
 * the others nothing. One decision per bucket, in order; never throws: trouble is `unavailable`.
 */
export type RateLimiter = (buckets: readonly Bucket[]) => Promise<{ kind: "counted"; decisions: RateDecision[] } | { kind: "unavailable"; reason: string }>;

/**
 * GCRA over several buckets in one atomic script (one round trip for a key's and its account's
 * bucket). Each key holds its bucket's "theoretical arrival time" (TAT) in microseconds; a
 * request fits a bucket if it does not arrive earlier than TAT - burst·interval, and is allowed
 * only if it fits all of them. Redis's own clock is used, so API processes with skewed clocks
 * share one notion of now. ARGV is interval, burst per key. Returns, per key, flattened:
 * {fits (1) or not (0), remaining | retryAfterUs, resetUs}.
 * (The keys of one call sit in one hash slot only by accident: no Redis Cluster here.)
 */
const GCRA = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tats = {}
local fitsAll = true
for i = 1, #KEYS do
  local interval = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  if tat < now then tat = now end
  tats[i] = tat
  if now < tat + interval - burst * interval then fitsAll = false end
end
local out = {}
for i = 1, #KEYS do
  local interval = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local tat = tats[i]
  local allowAt = tat + interval - burst * interval
  if now < allowAt then
    table.insert(out, 0); table.insert(out, math.ceil(allowAt - now)); table.insert(out, math.ceil(tat - now))
  elseif fitsAll then
    local newTat = tat + interval
    redis.call('SET', KEYS[i], string.format('%.0f', newTat), 'PX', math.ceil((newTat - now) / 1000))
    table.insert(out, 1); table.insert(out, math.floor((now - allowAt) / interval)); table.insert(out, math.ceil(newTat - now))
  else
    -- Fits, but another bucket refused: nothing taken, so one more than a take would leave.
    table.insert(out, 1); table.insert(out, math.floor((now - allowAt) / interval) + 1); table.insert(out, math.ceil(tat - now))
  end
end
return out
`;

const COMMAND = "hookrelayRateLimitTakeAll";
type WithCommand = Redis & Record<typeof COMMAND, (numberOfKeys: number, ...keysAndArgs: (string | number)[]) => Promise<number[]>>;

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
  if (typeof client[COMMAND] !== "function") redis.defineCommand(COMMAND, { lua: GCRA });

  return async (buckets) => {
    if (buckets.length === 0) return { kind: "counted", decisions: [] };
    if (redis.status !== "ready") return { kind: "unavailable", reason: `redis is ${redis.status}` };
    let timer: NodeJS.Timeout | undefined;
    type Outcome = Awaited<ReturnType<RateLimiter>>;
    const timeout = new Promise<Outcome>((resolve) => {
      timer = setTimeout(() => resolve({ kind: "unavailable", reason: `redis took longer than ${opts.timeoutMs} ms` }), opts.timeoutMs);
    });
    const keys = buckets.map((b) => `${opts.prefix}:ratelimit:${b.key}`);
    const args = buckets.flatMap((b) => [Math.round(emissionIntervalMs(b.rule) * 1_000), b.rule.burst]);
    const take = client[COMMAND](keys.length, ...keys, ...args).then(
      (flat): Outcome => ({
        kind: "counted",
        decisions: buckets.map((_, i): RateDecision => {
          const [fits, n, resetUs] = [flat[3 * i]!, flat[3 * i + 1]!, flat[3 * i + 2]!];
          return fits === 1 ? { kind: "allowed", remaining: n, resetMs: resetUs / 1_000 } : { kind: "limited", retryAfterMs: n / 1_000, resetMs: resetUs / 1_000 };
        }),
      }),
      (err: unknown): Outcome => ({ kind: "unavailable", reason: err instanceof Error ? err.message : String(err) }),
    );
    try {
      return await Promise.race([take, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}
