import { newId } from "../../src/lib/ids";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { aWebhook } from "../support/factories";

/**
 * Postgres is the record; when Redis is missing what it should hold, the recovery sweeps put it
 * back: a few recent deliveries by the moving window, everything when the epoch is gone.
 */
const FAST = { HOOKRELAY_RECOVERY_INTERVAL: "100ms", HOOKRELAY_RECOVERY_GRACE: "300ms", HOOKRELAY_RETRY_JITTER: "0" };

/** A pending delivery written straight to Postgres: committed, never handed to the scheduler. */
async function committedOnly(app: TestApp, accountId: string, webhookId: string, o: { dueInMs?: number; chainAttempts?: number } = {}) {
  const now = new Date();
  const eventId = newId("evt");
  const id = newId("dlv");
  await app.container.db.event.create({ data: { id: eventId, accountId, type: "message.created", data: JSON.stringify({ recovered: id }), createdAt: now } });
  await app.container.db.delivery.create({
    data: { id, accountId, webhookId, eventId, eventType: "message.created", chainAttempts: o.chainAttempts ?? 0, attemptCount: o.chainAttempts ?? 0, nextAttemptAt: new Date(now.getTime() + (o.dueInMs ?? 0)) },
  });
  return id;
}

describe("recovery of what Redis does not have", () => {
  let app: TestApp;
  afterEach(() => app?.close());

  it("queues a pending delivery Redis never got once it is the grace period old, and only once", async () => {
    app = await startTestApp(FAST, { worker: true });
    const { accountId, apiKey } = await app.newAccount();
    const { receiver, id: webhookId } = await aWebhook(app, apiKey);
    // The epoch is written once the first pass has run: from then on, only the window looks.
    await eventually(async () => (await app.container.fairQueue.readEpoch()) !== null, "the epoch");
    const id = await committedOnly(app, accountId, webhookId);
    const started = Date.now();
    await eventually(async () => receiver.deliveries.length === 1, "the recovered delivery");
    expect(receiver.deliveries[0]!.headers["x-webhook-id"]).toBe(id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await eventually(async () => (await app.container.db.delivery.findUniqueOrThrow({ where: { id } })).status === "succeeded", "success");
    // Later passes do not look at it again, and it is not sent again.
    await new Promise((r) => setTimeout(r, 800));
    expect(receiver.deliveries).toHaveLength(1);
  });

  it("after Redis lost everything, queues every pending delivery again, a retry not due yet at its own time, none twice", async () => {
    app = await startTestApp(FAST, { worker: false });
    const { accountId, apiKey } = await app.newAccount();
    const { receiver, id: webhookId } = await aWebhook(app, apiKey);
    const due = [await committedOnly(app, accountId, webhookId), await committedOnly(app, accountId, webhookId)];
    // The second attempt of a delivery whose first failed, due in 1.5 s.
    const retry = await committedOnly(app, accountId, webhookId, { dueInMs: 1_500, chainAttempts: 1 });
    // No epoch in this fresh Redis prefix: the first worker's first tick triggers the rescan.
    expect(await app.container.fairQueue.readEpoch()).toBeNull();
    const started = Date.now();
    await app.container.startWorker();
    await eventually(async () => receiver.deliveries.length === 2, "the two due deliveries");
    expect(new Set(receiver.deliveries.map((d) => d.headers["x-webhook-id"]))).toEqual(new Set(due));
    // The receiver records a request before it answers, and a slot is freed once the answer is
    // in: both slots come free, while the retry still waits for its time.
    const state = await eventually(async () => {
      const s = await app.container.fairQueue.webhookState(webhookId);
      return s.inFlight === 0 && s;
    }, "the two slots to be released");
    expect(state).toEqual({ waiting: 1, inFlight: 0 });
    expect(receiver.deliveries).toHaveLength(2);
    await eventually(async () => receiver.deliveries.length === 3, "the retry, once due", 5_000);
    expect(receiver.deliveries[2]!.headers["x-webhook-id"]).toBe(retry);
    expect(receiver.deliveries[2]!.headers["x-webhook-attempt"]).toBe("2");
    expect(receiver.deliveries[2]!.at - started).toBeGreaterThanOrEqual(1_400);
    expect(await app.container.fairQueue.readEpoch()).not.toBeNull();
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.deliveries).toHaveLength(3);
  });
});
