import { triage } from "../../src/delivery/deliver";
import type { DeliveryForAttempt } from "../../src/delivery/delivery-store";

/** What a dispatched job does, decided from the delivery as Postgres has it when the job runs. */
const delivery = (over: Partial<DeliveryForAttempt> = {}): DeliveryForAttempt => ({
  id: "dlv_01J0000000000000000000000A",
  accountId: "acc_1",
  webhookId: "wh_1",
  eventType: "message.created",
  status: "pending",
  isTest: false,
  attemptCount: 3,
  chain: 1,
  chainAttempts: 2,
  nextAttemptAt: new Date(5_000),
  event: { id: "evt_1", type: "message.created", createdAt: new Date(0), data: "{}", traceContext: null },
  webhook: { url: "https://x", status: "active", disabledReason: null, dialect: "meta", dialectOptions: null, verifyTokenCipher: "c", previousSecretCipher: null, previousSecretExpiresAt: null, clientCertificate: null, clientKeyCipher: null },
  ...over,
});
const job = (attempt?: number, chain = 1) => ({ deliveryId: "dlv_01J0000000000000000000000A", chain, attempt, webhookId: "wh_1" });

describe("triage of a dispatched attempt", () => {
  it("attempts a pending delivery whose next attempt is this one", () => {
    expect(triage(delivery(), job(2))).toEqual({ kind: "attempt", delivery: delivery() });
  });

  it("drops what is gone, settled, or of another chain (a redelivery owns it now)", () => {
    expect(triage(null, job(2))).toEqual({ kind: "drop", detail: "delivery no longer exists" });
    for (const status of ["succeeded", "failed", "skipped", "cancelled"] as const) expect(triage(delivery({ status }), job(2)).kind).toBe("drop");
    expect(triage(delivery(), job(2, 0)).kind).toBe("drop");
  });

  it("catches up when the attempt was made already: it queues the next one, due when Postgres says", () => {
    expect(triage(delivery({ chainAttempts: 3 }), job(2))).toEqual({
      kind: "catch_up",
      next: { member: "dlv_01J0000000000000000000000A-1-3", webhookId: "wh_1", accountId: "acc_1", dueAt: 5_000 },
    });
  });

  it("skips a delivery whose webhook is disabled, without attempting it", () => {
    const disabled = delivery({ webhook: { ...delivery().webhook, status: "disabled", disabledReason: "410" } });
    expect(triage(disabled, job(2))).toEqual({ kind: "skip", delivery: disabled });
  });

  it("cancels a pending delivery whose webhook was deleted, before anything else, even a catch-up", () => {
    const deleted = delivery({ webhook: { ...delivery().webhook, status: "deleted" } });
    expect(triage(deleted, job(2))).toEqual({ kind: "cancel", delivery: deleted });
    const caughtUp = delivery({ chainAttempts: 3, webhook: deleted.webhook });
    expect(triage(caughtUp, job(2))).toEqual({ kind: "cancel", delivery: caughtUp });
    // One the delete cancelled itself is simply dropped.
    expect(triage(delivery({ status: "cancelled", webhook: deleted.webhook }), job(2)).kind).toBe("drop");
  });

  it("takes a job from before the scheduler (no attempt named) for the delivery's next attempt", () => {
    expect(triage(delivery(), job(undefined)).kind).toBe("attempt");
  });
});
