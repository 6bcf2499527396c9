import { isOperationalEventType, type OperationalEventType } from "./payloads";

/**
 * When an operational event is due. Pure: the delivery step asks with what Postgres answered
 * and writes what comes back; the store then re-checks each condition on the locked webhook
 * row as it commits (store.ts), which is what makes a notice go out once however many workers
 * race on one webhook, and never when a worker dies before the commit.
 *
 * Bounded: a webhook's failing/recovered pair at most once per cooldown (a flapping endpoint
 * raises one pair, not one per flap), a disable once per disable (enabling again takes a new
 * handshake), and at most one delivery.exhausted per webhook per window, the next one counting
 * those folded into it.
 */
export interface NoticePolicy {
  /** Consecutive failures at which a webhook is "failing" (HOOKRELAY_FAILURE_WARNING_THRESHOLD). */
  warningThreshold: number;
  /** A webhook's webhook.failing notices are at least this far apart. */
  failingCooldownMs: number;
  /** A webhook's delivery.exhausted notices are at least this far apart. */
  exhaustedWindowMs: number;
}

/** The webhook's counters right after a failed attempt was counted. */
export interface AfterFailureState {
  status: "active" | "disabled" | "deleted";
  consecutiveFailures: number;
  failingNoticeOpen: boolean;
  failingNoticedAt: Date | null;
}

export interface FailureOutcome {
  state: AfterFailureState;
  /** The failure disables the webhook now (the failure tracker said so). */
  disabling: boolean;
  /** The delivery ends failed with this attempt. */
  givingUp: boolean;
  /** The delivery's event type, and whether it is a test: neither gives a delivery.exhausted. */
  eventType: string;
  isTest: boolean;
}

/** Which notices a failed attempt may raise; the store decides for good under the row lock. */
export function noticesAfterFailure(o: FailureOutcome, now: Date, p: NoticePolicy): OperationalEventType[] {
  const due: OperationalEventType[] = [];
  if (o.disabling) due.push("webhook.disabled");
  // A disable says more than "failing"; a disabled webhook is not failing any more, it is off.
  else if (o.state.status === "active" && failingDue(o.state, now, p)) due.push("webhook.failing");
  // Notices about notices would echo between two webhooks that both fail: a failed delivery of
  // an operational event raises nothing. Nor does a test event the customer sent by hand.
  if (o.givingUp && !o.isTest && !isOperationalEventType(o.eventType)) due.push("delivery.exhausted");
  return due;
}

export function failingDue(s: Pick<AfterFailureState, "consecutiveFailures" | "failingNoticeOpen" | "failingNoticedAt">, now: Date, p: NoticePolicy): boolean {
  if (s.failingNoticeOpen || s.consecutiveFailures < p.warningThreshold) return false;
  return s.failingNoticedAt === null || now.getTime() - s.failingNoticedAt.getTime() >= p.failingCooldownMs;
}

/** What the webhook row says about its last delivery.exhausted notice. */
export interface ExhaustedState {
  noticedAt: Date | null;
  folded: number;
}

export type ExhaustedDecision =
  | { emit: true; alsoExhausted: number; next: ExhaustedState }
  | { emit: false; next: ExhaustedState };

/** One more delivery of the webhook gave up: a notice now, or folded into the next one. */
export function exhaustedDecision(s: ExhaustedState, now: Date, p: NoticePolicy): ExhaustedDecision {
  if (s.noticedAt === null || now.getTime() - s.noticedAt.getTime() >= p.exhaustedWindowMs) {
    return { emit: true, alsoExhausted: s.folded, next: { noticedAt: now, folded: 0 } };
  }
  return { emit: false, next: { noticedAt: s.noticedAt, folded: s.folded + 1 } };
}
