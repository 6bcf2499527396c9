/**
 * Per-key API rate limits, as pure functions: the rule a request falls under, and the headers
 * that tell the caller where it stands. Counting happens in Redis (./redis-limiter.ts), as a
 * GCRA token bucket: `count` requests per `periodMs` sustained, up to `burst` at once.
 */
export interface RateRule {
  count: number;
  periodMs: number;
  /** Bucket size: how many requests may arrive at once after a quiet spell. */
  burst: number;
}

/** Which bucket a route draws from: event ingestion has its own, higher limit. */
export type RateClass = "api" | "ingest";

export interface RateRules {
  /** Each account key, on every route except ingestion; null: unlimited. */
  api: RateRule | null;
  /** Each account key, on POST /v1/events and /v1/events/batch (a batch is one request). */
  ingest: RateRule | null;
  /** The admin key, all its calls together. */
  admin: RateRule | null;
}

export type RateDecision =
  | { kind: "allowed"; remaining: number; resetMs: number }
  | { kind: "limited"; retryAfterMs: number; resetMs: number }
  /** Redis did not answer in time: the request goes through uncounted (fail open). */
  | { kind: "unavailable"; reason: string };

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const SPEC = /^(\d+)\s*\/\s*(\d*(?:\.\d+)?)\s*(ms|s|m|h)(?:\s*,\s*burst\s*=\s*(\d+))?$/;

/**
 * `100/s`, `6000/1m`, `20/500ms`, `100/s,burst=300`, or `off`. Returns null for `off`, and
 * an error message for anything it cannot read.
 */
export function parseRateRule(text: string): RateRule | null | { error: string } {
  const spec = text.trim().toLowerCase();
  if (spec === "off") return null;
  const m = SPEC.exec(spec);
  const count = Number(m?.[1]);
  const periodMs = Number(m?.[2] || 1) * (UNIT_MS[m?.[3] ?? ""] ?? NaN);
  const burst = m?.[4] === undefined ? count : Number(m[4]);
  if (!m || !(count >= 1) || !(periodMs >= 1) || !(burst >= 1) || count > 1_000_000 || burst > 1_000_000) {
    return { error: 'must be "<count>/<period>[,burst=<n>]" such as 100/s, 6000/1m or 100/s,burst=300, or "off"' };
  }
  return { count, periodMs, burst };
}

export interface Bucket {
  /** Redis key suffix; the limiter adds its prefix. */
  key: string;
  rule: RateRule;
}

/** The bucket a caller draws from, or null when it is not limited. */
export function bucketFor(
  caller: { kind: "admin" } | { kind: "account"; keyId: string } | { kind: "portal"; accountId: string },
  rateClass: RateClass,
  rules: RateRules,
): Bucket | null {
  if (caller.kind === "admin") return rules.admin ? { key: "admin", rule: rules.admin } : null;
  const rule = rules[rateClass];
  if (!rule) return null;
  // All of an account's portal sessions share one allowance: opening more links buys no more.
  if (caller.kind === "portal") return { key: `portal:${caller.accountId}:${rateClass}`, rule };
  return { key: `key:${caller.keyId}:${rateClass}`, rule };
}

/** Milliseconds between two requests at the sustained rate. */
export function emissionIntervalMs(rule: RateRule): number {
  return rule.periodMs / rule.count;
}

/**
 * The IETF draft's `RateLimit-Limit/-Remaining/-Reset` and `RateLimit-Policy` (seconds, rounded
 * up), plus `Retry-After` when the request was refused. Reset is when the bucket is full again.
 * Nothing when the limiter could not count: no numbers are better than invented ones.
 */
export function rateLimitHeaders(rule: RateRule, decision: RateDecision): Record<string, string> {
  if (decision.kind === "unavailable") return {};
  const seconds = (ms: number) => String(Math.max(0, Math.ceil(ms / 1_000)));
  const windowSeconds = Math.max(1, Math.ceil((rule.burst * emissionIntervalMs(rule)) / 1_000));
  const headers: Record<string, string> = {
    "RateLimit-Limit": String(rule.burst),
    "RateLimit-Remaining": String(decision.kind === "allowed" ? decision.remaining : 0),
    "RateLimit-Reset": seconds(decision.resetMs),
    "RateLimit-Policy": `${rule.burst};w=${windowSeconds}`,
  };
  if (decision.kind === "limited") headers["Retry-After"] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1_000)));
  return headers;
}
