import type { ServerResponse } from "node:http";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { aWebhook } from "../support/factories";
import type { Respond } from "../support/receivers";
import { deliveryIdFor, newId } from "../../src/lib/ids";
import { ticketFor } from "../../src/scheduler/tickets";
import { purgeDeletedWebhooks } from "../../src/webhooks/purge";

const RETRY_MS = 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const answerWith = (status: number): Respond => (_req, res) => res.writeHead(status, { "content-type": "text/plain" }).end(String(status));

/**
 * DELETE /v1/webhooks/:id is a soft delete: nothing reaches the endpoint once it answered
 * (not a retry waiting in the scheduler, not a delivery queued behind the in-flight cap, not
 * one emitted later), the pending deliveries end cancelled, and the webhook and its log stay
 * readable by id, for its own account only, until purgeDeletedWebhooks removes them.
 */
describe("soft-deleting a webhook", () => {
  let app: TestApp;
  let key: string;
  let otherKey: string;

  beforeAll(async () => {
    // One slot per webhook, so that deliveries queue behind an attempt the receiver holds.
    app = await startTestApp(
      { HOOKRELAY_RETRY_SCHEDULE: `0,${RETRY_MS}ms,${RETRY_MS}ms,${RETRY_MS}ms`, HOOKRELAY_RETRY_JITTER: "0", HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: "1" },
      { worker: true },
    );
    key = (await app.newAccount("A")).apiKey;
    otherKey = (await app.newAccount("B")).apiKey;
  });
  afterAll(async () => {
    await app.close();
  });

  const emit = (n: number) => app.call("POST", "/v1/events", { key, body: { type: "message.created", data: { n } } });
  const deliveriesOf = (webhookId: string) => app.container.db.delivery.findMany({ where: { webhookId }, orderBy: { id: "asc" } });

  /**
   * A webhook with one delivered event and one failed for good (its endpoint answered 410, which
   * also disabled it: a disabled webhook is deleted like an active one), then deleted.
   */
  async function deletedWebhookWithLog() {
    const { receiver, id } = await aWebhook(app, key);
    expect((await emit(1)).status).toBe(202);
    const delivered = await eventually(async () => (await deliveriesOf(id)).find((d) => d.status === "succeeded"), "the delivery");
    receiver.respond = answerWith(410);
    expect((await emit(2)).status).toBe(202);
    const failed = await eventually(async () => (await deliveriesOf(id)).find((d) => d.status === "failed"), "the delivery to fail");
    expect((await app.call("DELETE", `/v1/webhooks/${id}`, { key })).status).toBe(204);
    const attempt = await app.container.db.deliveryAttempt.findFirstOrThrow({ where: { deliveryId: delivered.id } });
    return { id, delivered: delivered.id, failed: failed.id, attempt: attempt.id };
  }

  it("sends nothing after the DELETE answered: not the retry that was waiting, nor the queued deliveries, nor later events; the pending ones end cancelled", async () => {
    const { receiver, id } = await aWebhook(app, key);
    receiver.respond = answerWith(500);
    expect((await emit(1)).status).toBe(202);
    // (a) the first delivery failed once and waits for its retry.
    const retrying = await eventually(async () => {
      const [d] = await deliveriesOf(id);
      return d && d.attemptCount === 1 && d.status === "pending" && d.nextAttemptAt ? d : null;
    }, "the first attempt to fail and its retry to be scheduled");

    // (b) the next one is held by the receiver (the webhook's one slot), three more queue behind it.
    const held: ServerResponse[] = [];
    receiver.respond = (_req, res) => void held.push(res);
    const batch = await app.call("POST", "/v1/events/batch", { key, body: { events: [2, 3, 4, 5].map((n) => ({ type: "message.created", data: { n } })) } });
    expect(batch.status).toBe(202);
    await eventually(async () => held.length === 1, "the second delivery to be in flight");
    expect(await deliveriesOf(id)).toHaveLength(5);

    // The delete waits for the attempt under way: it answers only once the receiver did.
    let answered: number | null = null;
    const deleting = app.call("DELETE", `/v1/webhooks/${id}`, { key }).then((r) => (answered = r.status));
    await eventually(async () => (await app.container.db.webhook.findUniqueOrThrow({ where: { id } })).status === "deleted", "the delete to commit");
    await sleep(200);
    expect(answered).toBeNull();
    held[0]!.writeHead(500).end("late");
    await deleting;
    expect(answered).toBe(204);
    const seen = receiver.deliveries.length;
    expect(seen).toBe(2);

    const after = await deliveriesOf(id);
    expect(after.map((d) => [d.status, d.nextAttemptAt, d.lastError])).toEqual(after.map(() => ["cancelled", null, "cancelled: webhook deleted"]));
    const attempts = await app.container.db.deliveryAttempt.findMany({ where: { webhookId: id }, orderBy: { startedAt: "asc" } });
    expect(attempts.map((a) => a.responseStatus)).toEqual([500, 500]);
    // Every attempt is counted on its delivery; the one under way settled nothing (its delivery
    // was cancelled meanwhile): no newer last attempt, not pending or failed again.
    expect(after.map((d) => d.attemptCount)).toEqual(after.map((d) => attempts.filter((a) => a.deliveryId === d.id).length));
    const heldAttempt = attempts[1]!;
    expect(heldAttempt.deliveryId).toBe(receiver.deliveries[1]!.headers["x-webhook-id"]);
    const heldDelivery = after.find((d) => d.id === heldAttempt.deliveryId)!;
    expect(heldDelivery.lastAttemptAt === null || heldDelivery.lastAttemptAt < heldAttempt.startedAt).toBe(true);
    expect(after.filter((d) => d.attemptCount === 0)).toHaveLength(retrying.id === heldDelivery.id ? 4 : 3);

    // Several retry periods later: still nothing, and an event emitted now makes no delivery.
    await sleep(RETRY_MS * 4);
    const later = await emit(6);
    expect(later.status).toBe(202);
    expect(later.body.deliveries).toBe(0);
    await sleep(RETRY_MS * 2);
    expect(receiver.deliveries).toHaveLength(seen);
    expect(held).toHaveLength(1);
    expect((await deliveriesOf(id)).map((d) => d.status)).toEqual(after.map(() => "cancelled"));
    // What the scheduler still held for it (the retry's timer, the queued tickets) went out as jobs that did nothing.
    await eventually(async () => {
      const s = await app.container.fairQueue.webhookState(id);
      return s.waiting === 0 && s.inFlight === 0;
    }, "the scheduler to hold nothing for the webhook");
    expect(receiver.deliveries).toHaveLength(seen);
  });

  it("cancels, without sending it, a delivery that was still written pending as the delete committed", async () => {
    const { receiver, id } = await aWebhook(app, key);
    expect((await app.call("DELETE", `/v1/webhooks/${id}`, { key })).status).toBe(204);
    // What an ingestion that read the webhook as active just before the delete would have left behind.
    receiver.respond = answerWith(200);
    const accountId = (await app.container.db.webhook.findUniqueOrThrow({ where: { id } })).accountId;
    const event = await app.container.db.event.create({ data: { id: newId("evt"), accountId, type: "message.created", data: "{}", createdAt: new Date() } });
    const late = await app.container.db.delivery.create({
      data: { id: deliveryIdFor(event.id), accountId, webhookId: id, eventId: event.id, eventType: "message.created", nextAttemptAt: new Date() },
    });
    await app.container.scheduler.enqueue([ticketFor({ ...late, chainAttempts: 0 }, Date.now())]);
    const settled = await eventually(async () => {
      const d = await app.container.db.delivery.findUniqueOrThrow({ where: { id: late.id } });
      return d.status !== "pending" ? d : null;
    }, "the job to settle the delivery");
    expect(settled).toMatchObject({ status: "cancelled", lastError: "cancelled: webhook deleted", attemptCount: 0, nextAttemptAt: null });
    expect(receiver.deliveries).toHaveLength(0);
  });

  it("keeps the webhook and its log readable by id, leaves it out of the list, and refuses every change", async () => {
    const w = await deletedWebhookWithLog();

    const got = await app.call("GET", `/v1/webhooks/${w.id}`, { key });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: w.id, status: "deleted", deletedAt: expect.any(String), health: "disabled" });
    expect((await app.call("GET", "/v1/webhooks?limit=100", { key })).body.data.map((x: { id: string }) => x.id)).not.toContain(w.id);
    const listed = await app.call("GET", "/v1/webhooks?limit=100&include=deleted", { key });
    expect(listed.body.data.find((x: { id: string }) => x.id === w.id)).toMatchObject({ status: "deleted", deletedAt: got.body.deletedAt });

    const delivered = await app.call("GET", `/v1/deliveries/${w.delivered}`, { key });
    expect(delivered.status).toBe(200);
    expect(delivered.body).toMatchObject({ status: "succeeded", attempts: [{ id: w.attempt, statusCode: 200 }] });
    expect((await app.call("GET", `/v1/attempts/${w.attempt}`, { key })).body).toMatchObject({ id: w.attempt, webhookId: w.id, requestBody: expect.any(String) });
    const log = await app.call("GET", `/v1/webhooks/${w.id}/deliveries?limit=100`, { key });
    expect(log.status).toBe(200);
    expect(new Set(log.body.data.map((a: { deliveryId: string }) => a.deliveryId))).toEqual(new Set([w.delivered, w.failed]));
    expect((await app.call("GET", `/v1/webhooks/${w.id}/stats`, { key })).status).toBe(200);
    expect((await app.call("GET", `/v1/webhooks/${w.id}/notices`, { key })).status).toBe(200);

    const writes: [string, string, unknown?][] = [
      ["PATCH", `/v1/webhooks/${w.id}`, { description: "back?" }],
      ["POST", `/v1/webhooks/${w.id}/enable`],
      ["POST", `/v1/webhooks/${w.id}/disable`, {}],
      ["POST", `/v1/webhooks/${w.id}/verify`],
      ["POST", `/v1/webhooks/${w.id}/rotate-secret`, {}],
      ["POST", `/v1/webhooks/${w.id}/test`, {}],
      ["POST", `/v1/webhooks/${w.id}/check-signature`],
      ["DELETE", `/v1/webhooks/${w.id}`],
    ];
    for (const [method, path, body] of writes) {
      const res = await app.call(method, path, { key, body });
      expect([method, path, res.status, res.body?.error?.code]).toEqual([method, path, 404, "not_found"]);
    }
    for (const delivery of [w.delivered, w.failed]) {
      const res = await app.call("POST", `/v1/deliveries/${delivery}/redeliver`, { key });
      expect([res.status, res.body.error.code]).toEqual([422, "webhook_disabled"]);
      expect(res.body.error.message).toMatch(/deleted/);
    }
    // Nothing of that changed it.
    const row = await app.container.db.webhook.findUniqueOrThrow({ where: { id: w.id } });
    expect(row).toMatchObject({ status: "deleted", description: null });
    expect((await deliveriesOf(w.id)).map((d) => d.status).sort()).toEqual(["failed", "succeeded"]);
  });

  it("shows another account's deleted webhook and its log to no one else", async () => {
    const w = await deletedWebhookWithLog();
    const calls: [string, string][] = [
      ["GET", `/v1/webhooks/${w.id}`],
      ["GET", `/v1/webhooks/${w.id}/deliveries`],
      ["GET", `/v1/webhooks/${w.id}/stats`],
      ["GET", `/v1/webhooks/${w.id}/notices`],
      ["GET", `/v1/deliveries/${w.delivered}`],
      ["GET", `/v1/attempts/${w.attempt}`],
      ["PATCH", `/v1/webhooks/${w.id}`],
      ["POST", `/v1/webhooks/${w.id}/enable`],
      ["DELETE", `/v1/webhooks/${w.id}`],
      ["POST", `/v1/deliveries/${w.failed}/redeliver`],
    ];
    for (const [method, path] of calls) {
      const res = await app.call(method, path, { key: otherKey, body: method === "PATCH" ? { description: "mine?" } : undefined });
      expect([method, path, res.status]).toEqual([method, path, 404]);
    }
    const theirs = await app.call("GET", "/v1/webhooks?limit=100&include=deleted", { key: otherKey });
    expect(theirs.body.data).toEqual([]);
  });

  it("purges only the webhooks deleted before the cutoff, oldest first, at most the limit, with what is left of their log", async () => {
    const [old, older, recent] = [await deletedWebhookWithLog(), await deletedWebhookWithLog(), await deletedWebhookWithLog()];
    const { id: live } = await aWebhook(app, key);
    const now = Date.now();
    const setDeletedAt = (id: string, at: number) => app.container.sql.query("UPDATE webhooks SET deleted_at = $2 WHERE id = $1", [id, new Date(at)]);
    await setDeletedAt(older.id, now - 2 * 86_400_000);
    await setDeletedAt(old.id, now - 3_600_000);
    // An active webhook is never purged, however old its row.
    await app.container.sql.query("UPDATE webhooks SET created_at = $2 WHERE id = $1", [live, new Date(now - 10 * 86_400_000)]);
    const cutoff = new Date(now - 1_800_000);
    const exists = async (id: string) => (await app.container.db.webhook.count({ where: { id } })) === 1;

    expect(await purgeDeletedWebhooks(app.container.sql, cutoff, 1)).toBe(1);
    expect([await exists(older.id), await exists(old.id)]).toEqual([false, true]);
    expect(await purgeDeletedWebhooks(app.container.sql, cutoff, 10)).toBe(1);
    expect(await purgeDeletedWebhooks(app.container.sql, cutoff, 10)).toBe(0);
    expect([await exists(old.id), await exists(recent.id), await exists(live)]).toEqual([false, true, true]);

    for (const gone of [old, older]) {
      expect(await app.container.db.delivery.count({ where: { webhookId: gone.id } })).toBe(0);
      expect(await app.container.db.deliveryAttempt.count({ where: { webhookId: gone.id } })).toBe(0);
      expect((await app.call("GET", `/v1/webhooks/${gone.id}`, { key })).status).toBe(404);
    }
    expect(await app.container.db.delivery.count({ where: { webhookId: recent.id } })).toBe(2);
    expect(await app.container.db.deliveryAttempt.count({ where: { webhookId: recent.id } })).toBeGreaterThanOrEqual(2);
    expect((await app.call("GET", `/v1/webhooks/${recent.id}`, { key })).body.status).toBe("deleted");
  });
});
