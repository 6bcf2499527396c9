import { AppError } from "../lib/errors";
import type { Logger } from "../lib/logger";
import { rateLimitLabel } from "../metrics/labels";
import { noMetrics, type Metrics } from "../metrics/metrics";
import { bindingDecision, bucketsFor, rateLimitHeaders, type LimitedBy, type RateClass, type RateRules } from "./policy";
import type { RateLimiter } from "./redis-limiter";

/** Who is calling, as far as limits go (the router's Principal fits). */
export type Caller = { kind: "anonymous" } | { kind: "admin" } | { kind: "account"; keyId: string; accountId: string } | { kind: "portal"; accountId: string };

export interface Admission {
  /** To be sent with the answer, whatever it is. */
  headers: Record<string, string>;
  /** Set when the caller is over its limit: answer this (a 429) instead. */
  refusal: AppError | null;
}

export type Admit = (caller: Caller, rateClass: RateClass) => Promise<Admission>;

export interface AdmissionDeps {
  limiter: RateLimiter;
  rules: RateRules;
  logger: Logger;
  now?: () => number;
  /** While Redis is away every request would warn; once per this interval is enough. */
  warnEveryMs?: number;
  metrics?: Metrics;
}

const WHOSE: Record<LimitedBy, string> = {
  key: "this API key",
  account: "this account (all its API keys together)",
  admin: "the admin key",
  portal: "this account's portal",
};

const OPEN: Admission = { headers: {}, refusal: null };

/**
 * Decides whether an authenticated request may go on. Unauthenticated requests are never
 * counted: they are refused (401) before they cost more than a hash and one indexed lookup,
 * and an IP is no identity behind the proxies and NATs that producers sit behind; floods of
 * them are the edge proxy's job.
 */
export function createAdmission(deps: AdmissionDeps): Admit {
  const now = deps.now ?? Date.now;
  const warnEveryMs = deps.warnEveryMs ?? 30_000;
  let lastWarnAt = -Infinity;
  const metrics = deps.metrics ?? noMetrics;

  return async (caller, rateClass) => {
    if (caller.kind === "anonymous") return OPEN;
    const buckets = bucketsFor(caller, rateClass, deps.rules);
    if (buckets.length === 0) return OPEN;
    const outcome = await deps.limiter(buckets);
    if (outcome.kind === "unavailable") {
      if (now() - lastWarnAt >= warnEveryMs) {
        lastWarnAt = now();
        deps.logger.warn({ reason: outcome.reason }, "rate limiter unavailable: letting requests through uncounted");
      }
      return OPEN;
    }
    const binding = bindingDecision(buckets, outcome.decisions);
    if (!binding) return OPEN;
    const { bucket, decision } = binding;
    const headers = rateLimitHeaders(bucket.rule, decision);
    if (decision.kind !== "limited") return { headers, refusal: null };
    metrics.rateLimited(rateLimitLabel(caller.kind, rateClass));
    const retryAfter = Number(headers["Retry-After"]);
    const refusal = new AppError(
      429,
      "rate_limited",
      `too many requests for ${WHOSE[bucket.limitedBy]} (${bucket.rule.burst} at once, ${bucket.rule.count} per ${bucket.rule.periodMs} ms); retry in ${retryAfter} s`,
      { retryAfterSeconds: retryAfter, limit: bucket.rule.burst, limitedBy: bucket.limitedBy },
    );
    return { headers, refusal };
  };
}
