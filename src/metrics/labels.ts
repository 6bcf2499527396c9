import type { AttemptVerdict } from "../delivery/retry-policy";
import type { HttpOutcome } from "../lib/outbound-http";
import type { AttemptOutcomeLabel, GiveUpReason } from "./metrics";

/**
 * Label values, decided without I/O. Every function here answers one of a closed set, so no
 * input (a receiver's odd status, a new error class) can grow the number of series.
 */

/** An attempt's outcome as its metric label: success is a 2xx, as the retry policy has it. */
export function attemptOutcomeLabel(outcome: HttpOutcome): AttemptOutcomeLabel {
  switch (outcome.kind) {
    case "response": {
      const s = outcome.status;
      if (s >= 200 && s < 300) return "success";
      if (s >= 400 && s < 500) return "http_4xx";
      if (s >= 500 && s < 600) return "http_5xx";
      // 1xx, 3xx (not followed: the registered URL is the contract) and anything off the scale.
      return "http_other";
    }
    case "timeout":
      return "timeout";
    case "network":
      return "network";
    case "refused":
      return "refused";
  }
}

/**
 * Why a delivery ended failed, from the verdict that ended it; null while it goes on (or
 * succeeded). Read from the outcome rather than the verdict's text: the text is for people.
 */
export function giveUpReasonFor(verdict: AttemptVerdict, outcome: HttpOutcome): GiveUpReason | null {
  switch (verdict.kind) {
    case "delivered":
    case "retry":
      return null;
    case "gone":
      return "gone";
    case "give_up":
      // The egress policy's refusal is the one failure that is never retried; every other
      // give-up is a chain that ran out of attempts.
      return outcome.kind === "refused" ? "not_retried" : "retries_exhausted";
  }
}

/** Seconds, never negative (clocks of two hosts may disagree by a little). */
export function secondsBetween(from: Date, to: Date): number {
  return Math.max(0, (to.getTime() - from.getTime()) / 1_000);
}

/**
 * The route label of a response the router did not label: the declared template whose path
 * matches (a 405 for the wrong method, a 415 refused before routing), else "unmatched" (404s,
 * scanners' guesses), so raw paths never become label values.
 */
export function routeMatcher(templates: readonly string[]): (path: string) => string {
  const segment = (s: string) => (s.startsWith(":") ? "[^/]+" : s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const patterns = [...new Set(templates)].map((t) => ({ template: t, regex: new RegExp(`^${t.split("/").map(segment).join("/")}/?$`) }));
  return (path) => patterns.find((p) => p.regex.test(path))?.template ?? "unmatched";
}

/**
 * The rate-limit label: which limit refused, never whose bucket (a bucket's key names an API
 * key or an account, one series each).
 */
export function rateLimitLabel(caller: "admin" | "account" | "portal", rateClass: "api" | "ingest"): "admin" | "portal" | "api" | "ingest" {
  return caller === "account" ? rateClass : caller;
}
