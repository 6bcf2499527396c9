import { exhaustedDecision, failingDue, noticesAfterFailure, type FailureOutcome, type NoticePolicy } from "../../../src/operational/policy";

const P: NoticePolicy = { warningThreshold: 5, failingCooldownMs: 3_600_000, exhaustedWindowMs: 60_000 };
const NOW = new Date("2026-12-01T15:00:00.000Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms);

const outcome = (o: Partial<Omit<FailureOutcome, "state">> & { state?: Partial<FailureOutcome["state"]> } = {}): FailureOutcome => ({
  disabling: false,
  givingUp: false,
  eventType: "message.created",
  isTest: false,
  ...o,
  state: { status: "active", consecutiveFailures: 1, failingNoticeOpen: false, failingNoticedAt: null, ...o.state },
});

describe("which notices a failed attempt may raise", () => {
  it("raises nothing for a failure below the threshold that will be retried", () => {
    expect(noticesAfterFailure(outcome({ state: { consecutiveFailures: 4 } }), NOW, P)).toEqual([]);
  });

  it("reports failing at the threshold and past it (a rerun may skip the exact count), until a notice is out", () => {
    expect(noticesAfterFailure(outcome({ state: { consecutiveFailures: 5 } }), NOW, P)).toEqual(["webhook.failing"]);
    expect(noticesAfterFailure(outcome({ state: { consecutiveFailures: 6 } }), NOW, P)).toEqual(["webhook.failing"]);
    expect(noticesAfterFailure(outcome({ state: { consecutiveFailures: 9, failingNoticeOpen: true, failingNoticedAt: ago(10) } }), NOW, P)).toEqual([]);
  });

  it("waits out the cooldown before a second failing notice", () => {
    expect(failingDue({ consecutiveFailures: 5, failingNoticeOpen: false, failingNoticedAt: ago(3_599_999) }, NOW, P)).toBe(false);
    expect(failingDue({ consecutiveFailures: 5, failingNoticeOpen: false, failingNoticedAt: ago(3_600_000) }, NOW, P)).toBe(true);
  });

  it("says disabled rather than failing when the failure disables the webhook", () => {
    expect(noticesAfterFailure(outcome({ disabling: true, state: { consecutiveFailures: 7 } }), NOW, P)).toEqual(["webhook.disabled"]);
    expect(noticesAfterFailure(outcome({ state: { status: "disabled", consecutiveFailures: 7 } }), NOW, P)).toEqual([]);
  });

  it("reports a delivery giving up, but not a test event's nor an operational event's", () => {
    expect(noticesAfterFailure(outcome({ givingUp: true }), NOW, P)).toEqual(["delivery.exhausted"]);
    expect(noticesAfterFailure(outcome({ givingUp: true, disabling: true }), NOW, P)).toEqual(["webhook.disabled", "delivery.exhausted"]);
    expect(noticesAfterFailure(outcome({ givingUp: true, isTest: true }), NOW, P)).toEqual([]);
    for (const eventType of ["webhook.disabled", "webhook.failing", "webhook.recovered", "delivery.exhausted"]) {
      expect(noticesAfterFailure(outcome({ givingUp: true, eventType }), NOW, P)).toEqual([]);
    }
  });
});

describe("folding given-up deliveries", () => {
  it("reports the first at once and folds the rest of the window into the next notice", () => {
    const first = exhaustedDecision({ noticedAt: null, folded: 0 }, NOW, P);
    expect(first).toEqual({ emit: true, alsoExhausted: 0, next: { noticedAt: NOW, folded: 0 } });
    const second = exhaustedDecision(first.next, new Date(NOW.getTime() + 59_999), P);
    expect(second).toEqual({ emit: false, next: { noticedAt: NOW, folded: 1 } });
    const third = exhaustedDecision({ noticedAt: NOW, folded: 7 }, new Date(NOW.getTime() + 60_000), P);
    expect(third).toEqual({ emit: true, alsoExhausted: 7, next: { noticedAt: new Date(NOW.getTime() + 60_000), folded: 0 } });
  });
});
