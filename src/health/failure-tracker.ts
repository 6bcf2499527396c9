/**
 * When a webhook that keeps failing gets disabled. A pure tracker: it returns what should
 * happen as data and does nothing itself; the delivery step writes it.
 */
export interface FailureState {
  status: "active" | "disabled";
  consecutiveFailures: number;
  /** When the current run of failures began. */
  failingSince: Date | null;
}

export type HealthSignal = { kind: "none" } | { kind: "disable"; reason: string };

export function afterFailure(state: FailureState, now: Date, disableAfterMs: number, gone: boolean): HealthSignal {
  if (state.status === "disabled") return { kind: "none" };
  if (gone) return { kind: "disable", reason: "the endpoint answered 410 Gone" };
  if (state.failingSince && now.getTime() - state.failingSince.getTime() >= disableAfterMs) {
    return {
      kind: "disable",
      reason: `every attempt failed for ${Math.floor((now.getTime() - state.failingSince.getTime()) / 3_600_000)} h (${state.consecutiveFailures} consecutive failures)`,
    };
  }
  return { kind: "none" };
}
