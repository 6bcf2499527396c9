import { AppError } from "../lib/errors";
import type { Logger } from "../lib/logger";
import { rateLimitLabel } from "../metrics/labels";
import { noMetrics, type Metrics } from "../metrics/metrics";
import { bucketFor, rateLimitHeaders, type RateClass, type RateRules } from "./policy";
import type { RateLimiter } from "./redis-limiter";

/** Who is calling, as far as limits go (the router's Principal fits). */
export type Caller = { kind: "anonymous" } | { kind: "admin" } | { kind: "account"; keyId: string } | { kind: "portal"; accountId: string };

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
    const bucket = bucketFor(caller, rateClass, deps.rules);
    if (!bucket) return OPEN;
    const decision = await deps.limiter(bucket.key, bucket.rule);
    if (decision.kind === "unavailable") {
      if (now() - lastWarnAt >= warnEveryMs) {
        lastWarnAt = now();
        deps.logger.warn({ reason: decision.reason }, "rate limiter unavailable: letting requests through uncounted");
      }
      return OPEN;
    }
    const headers = rateLimitHeaders(bucket.rule, decision);
    if (decision.kind === "allowed") return { headers, refusal: null };
    metrics.rateLimited(rateLimitLabel(caller.kind, rateClass));
    const retryAfter = Number(headers["Retry-After"]);
    const refusal = new AppError(
      429,
      "rate_limited",
      `too many requests for this ${caller.kind === "portal" ? "account's portal" : "API key"} (${bucket.rule.burst} at once, ${bucket.rule.count} per ${bucket.rule.periodMs} ms); retry in ${retryAfter} s`,
      { retryAfterSeconds: retryAfter, limit: bucket.rule.burst },
    );
    return { headers, refusal };
  };
}
