import type { AttemptVerdict } from "../delivery/retry-policy";
import type { HttpOutcome } from "../lib/outbound-http";
import { attemptOutcomeLabel, giveUpReasonFor, secondsBetween } from "./labels";
import type { Metrics } from "./metrics";

/**
 * What one delivery attempt tells the metrics, once judged: the attempt by outcome and its
 * duration; the end-to-end latency when it delivered; the reason when it ended the delivery.
 */
export function recordAttempt(
  metrics: Metrics,
  outcome: HttpOutcome,
  verdict: AttemptVerdict,
  at: { accountId: string; eventCreatedAt: Date; now: Date },
): void {
  metrics.attempt(attemptOutcomeLabel(outcome), outcome.elapsedMs / 1_000, at.accountId);
  if (verdict.kind === "delivered") {
    metrics.delivered(secondsBetween(at.eventCreatedAt, at.now));
    return;
  }
  const reason = giveUpReasonFor(verdict, outcome);
  if (reason) metrics.givenUp(reason);
}
