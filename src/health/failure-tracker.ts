/**
 * When a webhook that keeps failing gets disabled. A pure tracker: it returns what should
 * happen as data and does nothing itself; the delivery step writes it.
 */
export interface FailureState {
  status: "active" | "disabled" | "deleted";
  consecutiveFailures: number;
  /** When the current run of failures began. */
  failingSince: Date | null;
}

/** `code` says which rule disabled it, as `disabledReasonCode` reads back from the stored reason. */
export type HealthSignal = { kind: "none" } | { kind: "disable"; reason: string; code: "gone" | "failing" };

export function afterFailure(state: FailureState, now: Date, disableAfterMs: number, gone: boolean): HealthSignal {
  // Only an active webhook is disabled: a deleted one's attempt that was under way as it was deleted ends here too.
  if (state.status !== "active") return { kind: "none" };
  if (gone) return { kind: "disable", reason: GONE_REASON, code: "gone" };
  if (state.failingSince && now.getTime() - state.failingSince.getTime() >= disableAfterMs) {
    return {
      kind: "disable",
      reason: `${FAILING_REASON_PREFIX} ${Math.floor((now.getTime() - state.failingSince.getTime()) / 3_600_000)} h (${state.consecutiveFailures} consecutive failures)`,
      code: "failing",
    };
  }
  return { kind: "none" };
}

// The disabled reasons are stored as text (the API's `disabledReason`); these prefixes are what
// disabledReasonCode reads them back by, for a portal that shows them in the viewer's language.
const GONE_REASON = "the endpoint answered 410 Gone";
const FAILING_REASON_PREFIX = "every attempt failed for";
export const PAUSED_REASON = "paused";

export type DisabledReasonCode = "gone" | "failing" | "paused" | "other";

/** Which of the reasons above a stored disabled reason is; null while enabled. */
export function disabledReasonCode(reason: string | null): DisabledReasonCode | null {
  if (reason === null) return null;
  if (reason === GONE_REASON) return "gone";
  if (reason.startsWith(FAILING_REASON_PREFIX)) return "failing";
  if (reason === PAUSED_REASON || reason.startsWith(`${PAUSED_REASON}: `)) return "paused";
  return "other";
}
