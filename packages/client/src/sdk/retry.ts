/**
 * When to try a request again, and after how long: pure functions of what happened, so the
 * rules are tested without a network. `transport.ts` performs what they decide.
 *
 * - 429 and 503 are retried for every method: the API refused before acting (the rate limiter
 *   answers before the handler runs; a 503 means Postgres was unreachable). The one narrow
 *   exception, a database connection lost at COMMIT, is why emits always carry a key.
 * - No answer (a network error, the per-request timeout) and 502/504 from a proxy leave it
 *   unknown whether the API acted: retried only when repeating is harmless, i.e. for
 *   GET/HEAD/OPTIONS/PUT/DELETE and for POST/PATCH requests that carry an idempotency key.
 * - `Retry-After` (seconds or an HTTP date) is honoured as given, plus a little jitter so that
 *   many clients told the same second do not come back in the same millisecond. Waiting less
 *   would only earn another 429. If it asks for longer than `maxRetryAfterMs` the SDK gives up
 *   at once and the error carries `retryAfterSeconds`: blocking a caller for minutes is worse
 *   than an error it can schedule around.
 * - Otherwise full-jitter exponential backoff: uniform in [0, min(maxDelayMs, base·2^(n-1))).
 * - At most `maxAttempts` attempts in all, the first included.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included; 1 disables retries. */
  maxAttempts: number;
  baseDelayMs: number;
  /** Cap of the exponential backoff (not of Retry-After). */
  maxDelayMs: number;
  /** The longest Retry-After the SDK waits out; a longer one fails the call at once. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 10_000, maxRetryAfterMs: 60_000 };

/** What one attempt came to. */
export type AttemptOutcome =
  | { kind: "response"; status: number; retryAfter: string | null }
  | { kind: "network" }
  | { kind: "timeout" };

export type RetryDecision = { kind: "retry"; delayMs: number; reason: string } | { kind: "stop"; reason: string };

/** Answers that say the API did nothing: safe to repeat whatever the method. */
const REFUSED = new Set([429, 503]);
/** A proxy's answers after which the API may or may not have acted. */
const UNKNOWN = new Set([502, 504]);
const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);

export function decideRetry(input: {
  policy: RetryPolicy;
  /** Attempts made so far, this one included (1 after the first). */
  attempt: number;
  outcome: AttemptOutcome;
  /** Whether repeating the request is harmless (see `isIdempotent`). */
  idempotent: boolean;
  now: number;
  /** A uniform random number in [0, 1). */
  random: number;
}): RetryDecision {
  const { policy, attempt, outcome, idempotent } = input;
  const what = outcome.kind === "response" ? `status ${outcome.status}` : outcome.kind === "timeout" ? "timed out" : "network error";
  if (outcome.kind === "response" && outcome.status < 400) return { kind: "stop", reason: "answered" };
  const refused = outcome.kind === "response" && REFUSED.has(outcome.status);
  const unknown = outcome.kind !== "response" || UNKNOWN.has(outcome.status);
  if (!refused && !unknown) return { kind: "stop", reason: `${what}: not retryable` };
  if (unknown && !refused && !idempotent) return { kind: "stop", reason: `${what}: the request may have been acted on and repeating it is not safe` };
  if (attempt >= policy.maxAttempts) return { kind: "stop", reason: `${what}: ${attempt} attempts made` };

  const retryAfterMs = outcome.kind === "response" ? parseRetryAfterMs(outcome.retryAfter, input.now) : null;
  if (retryAfterMs !== null) {
    if (retryAfterMs > policy.maxRetryAfterMs) return { kind: "stop", reason: `${what}: Retry-After ${retryAfterMs} ms is beyond ${policy.maxRetryAfterMs} ms` };
    return { kind: "retry", delayMs: retryAfterMs + Math.floor(input.random * Math.min(policy.baseDelayMs, 1_000)), reason: `${what}, Retry-After honoured` };
  }
  return { kind: "retry", delayMs: backoffDelayMs(policy, attempt, input.random), reason: `${what}, backing off` };
}

/** Full jitter: uniform in [0, min(maxDelayMs, baseDelayMs·2^(attempt-1))). */
export function backoffDelayMs(policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs">, attempt: number, random: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random * ceiling);
}

/** `Retry-After` as delta-seconds or an HTTP date, in ms from `now` (never negative); null when absent or unreadable. */
export function parseRetryAfterMs(value: string | null | undefined, now: number): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1_000;
  // An HTTP date always names its weekday or month; Date.parse alone would also take "1.5".
  if (!/[a-z]{3}/i.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Whether repeating the request is harmless after an unknown outcome. POST and PATCH are, when
 * the caller says so (`keyed`: the SDK's emits) or the JSON body carries an idempotency key:
 * `idempotencyKey` at the top (an event, or a batch whose events derive theirs from it), or
 * on every event of a batch.
 */
export function isIdempotent(method: string, keyed: boolean, jsonBody?: string | null): boolean {
  const m = method.toUpperCase();
  if (IDEMPOTENT_METHODS.has(m)) return true;
  if (keyed) return true;
  if (!jsonBody) return false;
  try {
    const body: unknown = JSON.parse(jsonBody);
    if (typeof body !== "object" || body === null) return false;
    const { idempotencyKey, events } = body as { idempotencyKey?: unknown; events?: unknown };
    if (typeof idempotencyKey === "string" && idempotencyKey.length > 0) return true;
    return Array.isArray(events) && events.length > 0 && events.every((e) => typeof e?.idempotencyKey === "string" && e.idempotencyKey.length > 0);
  } catch {
    return false;
  }
}
