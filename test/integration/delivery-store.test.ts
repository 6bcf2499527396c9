import type { AttemptRow, Settlement } from "../../src/delivery/delivery-store";
import { createDeliveryStore } from "../../src/delivery/store";
import { startTestApp, type TestApp } from "../support/app";
import { aWebhook } from "../support/factories";

/**
 * The worker's batched reads and writes, against the real database: concurrent callers share
 * statements, yet each learns its own outcome and no row is written for a failed one.
 */
describe("the batched delivery store", () => {
  let app: TestApp;
  let deliveryIds: string[];
  let webhookId: string;

  beforeAll(async () => {
    app = await startTestApp();
    const { apiKey } = await app.newAccount();
    webhookId = (await aWebhook(app, apiKey)).id;
    const res = await app.call("POST", "/v1/events/batch", {
      key: apiKey,
      body: { events: Array.from({ length: 6 }, (_, i) => ({ type: "message.created", data: { i } })) },
    });
    expect(res.status).toBe(202);
    deliveryIds = (await app.container.db.delivery.findMany({ where: { webhookId }, orderBy: { id: "asc" } })).map((d) => d.id);
    expect(deliveryIds).toHaveLength(6);
  });
  afterAll(() => app.close());

  const store = () => createDeliveryStore(app.container.sql, { maxBatch: 100, maxConcurrent: 1 });

  const success = (deliveryId: string, eventId: string, at: Date): [AttemptRow, Settlement] => [
    {
      id: `att_${deliveryId.slice(4)}`,
      deliveryId,
      webhookId,
      accountId: "",
      eventId,
      eventType: "message.created",
      attemptNumber: 1,
      isTest: false,
      success: true,
      requestUrl: "https://example.test/hook",
      requestHeaders: { "x-hub-signature-256": "[masked]" },
      responseStatus: 200,
      responseTimeMs: 3,
      responseBody: "ok",
      errorClass: null,
      errorMessage: null,
      startedAt: at,
    },
    { deliveryId, chain: 0, attemptCount: 1, chainAttempts: 1, at, statusCode: 200, lastError: null, status: "succeeded", nextAttemptAt: null },
  ];

  it("loads concurrent callers' deliveries, each its own, and null for an unknown id", async () => {
    const s = store();
    const loaded = await Promise.all([...deliveryIds, "dlv_unknown"].map((id) => s.load(id)));
    expect(loaded.slice(0, 6).map((d) => d?.id)).toEqual(deliveryIds);
    expect(loaded[6]).toBeNull();
    expect(loaded[0]).toMatchObject({ webhookId, status: "pending", chain: 0, webhook: { status: "active" }, event: { type: "message.created" } });
    expect(loaded[0]!.event.createdAt).toBeInstanceOf(Date);
  });

  it("settles a batch of successes, and a row that cannot be written fails only its own caller", async () => {
    const s = store();
    const loaded = await Promise.all(deliveryIds.map((id) => s.load(id)));
    const at = new Date();
    const rows = loaded.map((d) => success(d!.id, d!.event.id, at));
    for (const [row] of rows) row.accountId = loaded[0]!.accountId;
    // The last one's attempt row cannot be written: a row with its key is already there (any
    // failing row would do; the attempts have no foreign key to fail on since partitioning),
    // which fails the batch's one statement.
    const [taken] = rows[5]!;
    await app.container.db.deliveryAttempt.create({ data: { ...taken, attemptNumber: 0, requestHeaders: {} } });

    const results = await Promise.allSettled(rows.map(([row, settlement]) => s.recordSuccess(row, settlement)));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "fulfilled", "fulfilled", "rejected"]);

    const settled = await app.container.db.delivery.findMany({ where: { id: { in: deliveryIds } }, orderBy: { id: "asc" } });
    expect(settled.map((d) => d.status)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded", "succeeded", "pending"]);
    expect(settled.slice(0, 5).every((d) => d.attemptCount === 1 && d.lastStatusCode === 200)).toBe(true);
    expect(settled[5]).toMatchObject({ attemptCount: 0, lastStatusCode: null });
    // Five written by the batch, beside the one that was in the way.
    expect(await app.container.db.deliveryAttempt.count({ where: { webhookId, attemptNumber: 1 } })).toBe(5);
    const webhook = await app.container.db.webhook.findUniqueOrThrow({ where: { id: webhookId } });
    expect(webhook.lastSuccessAt?.getTime()).toBe(at.getTime());
    expect(webhook.consecutiveFailures).toBe(0);
  });

  it("does not settle a delivery that a redelivery took over (another chain)", async () => {
    const s = store();
    const id = deliveryIds[0]!;
    await app.container.db.delivery.update({ where: { id }, data: { status: "pending", chain: 1 } });
    const d = (await s.load(id))!;
    const [row, settlement] = success(id, d.event.id, new Date());
    row.id = "att_other_chain";
    row.accountId = d.accountId;
    await s.recordSuccess(row, { ...settlement, chain: 0 });
    expect((await app.container.db.delivery.findUniqueOrThrow({ where: { id } })).status).toBe("pending");
    // The attempt happened, so it is logged all the same.
    expect(await app.container.db.deliveryAttempt.count({ where: { id: "att_other_chain" } })).toBe(1);
  });

  it("counts the late outcomes of a worker that lost its job, settling nothing: the attempt count always matches the log", async () => {
    // deliveryIds[1] succeeded above (1 attempt). A worker cut off from Redis and Postgres had
    // also sent it; its job went to another worker, and its outcomes arrive once its link is back.
    const s = store();
    const id = deliveryIds[1]!;
    const d = (await s.load(id))!;
    const before = await app.container.db.delivery.findUniqueOrThrow({ where: { id } });
    const [row, settlement] = success(id, d.event.id, new Date());
    row.id = "att_late_success";
    row.accountId = d.accountId;
    row.responseStatus = 201;
    await s.recordSuccess(row, { ...settlement, statusCode: 201 });
    const failedAt = new Date();
    const failure = { ...row, id: "att_late_timeout", success: false, responseStatus: null, errorClass: "timeout", errorMessage: "timed out", startedAt: failedAt };
    await s.recordFailure(failure, failedAt);
    await s.settleFailure({ ...settlement, status: "pending", statusCode: null, lastError: "timed out", nextAttemptAt: failedAt, at: failedAt });

    const after = await app.container.db.delivery.findUniqueOrThrow({ where: { id } });
    expect(await app.container.db.deliveryAttempt.count({ where: { deliveryId: id } })).toBe(3);
    expect(after.attemptCount).toBe(3);
    // Settled as the first success left it.
    expect(after).toMatchObject({ status: "succeeded", lastStatusCode: 200, lastError: null, nextAttemptAt: null, lastAttemptAt: before.lastAttemptAt });
  });
});
