/**
 * API rate limits, as pure functions: the buckets a request draws from (its key's and its
 * account's), which of them binds, and the headers that tell the caller where it stands.
 * Counting happens in Redis (./redis-limiter.ts), as GCRA token buckets: `count` requests per
 * `periodMs` sustained, up to `burst` at once.
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
  /**
   * All keys of one account together, besides each key's own bucket: more keys must not buy
   * more allowance. Absent or null: no account-wide limit.
   */
  accountApi?: RateRule | null;
  /** The same, for ingestion. */
  accountIngest?: RateRule | null;
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

/** Whose allowance a bucket is: named in a 429, so a caller knows whether another key of theirs used it up. */
export type LimitedBy = "key" | "account" | "admin" | "portal";

export interface NamedBucket extends Bucket {
  limitedBy: LimitedBy;
}

/**
 * Every bucket a request draws from; it goes through only if each has room, and then takes
 * from all of them (./redis-limiter.ts does both in one script).
 */
export function bucketsFor(
  caller: { kind: "admin" } | { kind: "account"; keyId: string; accountId: string } | { kind: "portal"; accountId: string },
  rateClass: RateClass,
  rules: RateRules,
): NamedBucket[] {
  const own = bucketFor(caller, rateClass, rules);
  const buckets: NamedBucket[] = own ? [{ ...own, limitedBy: caller.kind === "account" ? "key" : caller.kind }] : [];
  if (caller.kind === "account") {
    const rule = rateClass === "ingest" ? rules.accountIngest : rules.accountApi;
    if (rule) buckets.push({ key: `account:${caller.accountId}:${rateClass}`, rule, limitedBy: "account" });
  }
  return buckets;
}

/**
 * The bucket whose numbers the caller sees: when refused, the one that makes it wait longest
 * (it may retry only when all have room); otherwise the one with the least left. Ties go to the
 * first (the key's own). Null only for no buckets.
 */
export function bindingDecision<B extends Bucket>(buckets: readonly B[], decisions: readonly RateDecision[]): { bucket: B; decision: RateDecision } | null {
  let best: { bucket: B; decision: RateDecision } | null = null;
  const weight = (d: RateDecision) => (d.kind === "limited" ? 1e15 + d.retryAfterMs : d.kind === "allowed" ? -d.remaining : -Infinity);
  buckets.forEach((bucket, i) => {
    const decision = decisions[i];
    if (decision && (!best || weight(decision) > weight(best.decision))) best = { bucket, decision };
  });
  return best;
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
