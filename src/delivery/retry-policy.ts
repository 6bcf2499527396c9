import type { HttpOutcome } from "../lib/outbound-http";

/**
 * What happens after an attempt, decided without I/O. `deliver.ts` performs the decision.
 *
 * Success is a 2xx and nothing else: a 3xx is not followed (the registered URL is the
 * contract), and a 1xx/3xx/4xx/5xx, a timeout or a network error all mean the receiver did
 * not take the event. A destination the egress policy refuses is not retried at all.
 */
export interface RetryPolicy {
  /** Delay before each attempt of a chain: [0] before the first, [1] before the second, … */
  scheduleMs: readonly number[];
  /** ±fraction of each delay, so retries from one outage do not arrive in lockstep. */
  jitter: number;
  /** Longest Retry-After we honour; longer ones are cut to this. */
  retryAfterMaxMs: number;
}

export type AttemptVerdict =
  | { kind: "delivered" }
  | { kind: "retry"; delayMs: number; reason: string }
  | { kind: "give_up"; reason: string }
  /** The receiver said the endpoint is gone for good (410): stop and disable the webhook. */
  | { kind: "gone"; reason: string };

export function isSuccess(outcome: HttpOutcome): boolean {
  return outcome.kind === "response" && outcome.status >= 200 && outcome.status < 300;
}

/** A short, human description of a failed outcome, for logs and `lastError`. */
export function describeFailure(outcome: HttpOutcome): string {
  switch (outcome.kind) {
    case "response":
      return `HTTP ${outcome.status}`;
    case "timeout":
      return `timed out after ${outcome.timeoutMs} ms`;
    case "network":
    case "refused":
      return `${outcome.errorClass}: ${outcome.message}`;
  }
}

/**
 * @param chainAttempt the attempt just made, 1-based within the current chain
 * @param random a number in [0, 1), injected so tests are exact
 */
export function judgeAttempt(
  outcome: HttpOutcome,
  chainAttempt: number,
  policy: RetryPolicy,
  now: Date,
  random: number = Math.random(),
): AttemptVerdict {
  if (isSuccess(outcome)) return { kind: "delivered" };
  const reason = describeFailure(outcome);
  if (outcome.kind === "response" && outcome.status === 410) return { kind: "gone", reason };
  // Nothing was sent, and waiting will not move the address out of a refused range; once the
  // customer has fixed their DNS, a redelivery sends it.
  if (outcome.kind === "refused") return { kind: "give_up", reason: `${reason}; not retried` };
  const scheduled = policy.scheduleMs[chainAttempt];
  if (scheduled === undefined) return { kind: "give_up", reason: `${reason}; no attempts left (${chainAttempt} made)` };

  const retryAfter = outcome.kind === "response" && (outcome.status === 429 || outcome.status === 503)
    ? parseRetryAfter(outcome.headers["retry-after"], now)
    : null;
  if (retryAfter !== null) {
    return { kind: "retry", delayMs: Math.min(Math.max(retryAfter, 0), policy.retryAfterMaxMs), reason: `${reason}, Retry-After honoured` };
  }
  return { kind: "retry", delayMs: withJitter(scheduled, policy.jitter, random), reason };
}

export function withJitter(delayMs: number, jitter: number, random: number): number {
  return Math.max(0, Math.round(delayMs * (1 - jitter + 2 * jitter * random)));
}

/** Retry-After as delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: Date): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1_000;
  // An HTTP-date ("Wed, 21 Oct 2026 07:28:00 GMT"); Date.parse alone would read "-5" as a year.
  if (!/^[A-Za-z]{3},? .*GMT$/.test(trimmed)) return null;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

/** The default: immediately, then ~5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h, 16 h, 24 h (about 3 days). */
export const DEFAULT_RETRY_SCHEDULE = "0,5s,30s,2m,10m,30m,1h,2h,4h,8h,16h,24h";
