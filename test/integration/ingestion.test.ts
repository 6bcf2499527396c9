import { startTestApp, type TestApp } from "../support/app";
import { startWebhookReceiver, type WebhookReceiver } from "../support/receivers";

const TOKEN = "ingestion-token-00000001";

describe("emitting events", () => {
  let app: TestApp;
  let acct: { accountId: string; apiKey: string };
  let receiver: WebhookReceiver;
  let webhookId: string;

  beforeAll(async () => {
    // No worker: these tests are about what is stored and acknowledged, not delivered.
    app = await startTestApp();
    acct = await app.newAccount();
    receiver = await startWebhookReceiver(TOKEN);
    const wh = await app.call("POST", "/v1/webhooks", {
      key: acct.apiKey,
      body: { url: receiver.url, verifyToken: TOKEN, eventTypes: ["message.created", "chat.status_changed"] },
    });
    webhookId = wh.body.id;
  });
  afterAll(async () => {
    await receiver.close();
    await app.close();
  });

  const emit = (body: unknown, key = acct.apiKey) => app.call("POST", "/v1/events", { key, body });

  it("commits the event and its deliveries before answering 202", async () => {
    const res = await emit({ type: "message.created", data: { text: "héllo 👋", n: 1.5, nested: { z: 1, a: 2 } } });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^evt_/),
      type: "message.created",
      createdAt: expect.any(String),
      deliveries: 1,
      idempotencyKey: null,
    });
    const row = await app.container.db.event.findUniqueOrThrow({ where: { id: res.body.id } });
    const event = { ...row, deliveries: await app.container.db.delivery.findMany({ where: { eventId: row.id } }) };
    // The producer's bytes, key order included, kept for delivery.
    expect(event.data).toBe('{"text":"héllo 👋","n":1.5,"nested":{"z":1,"a":2}}');
    expect(event.deliveries).toEqual([
      expect.objectContaining({ webhookId, status: "pending", eventType: "message.created", attemptCount: 0 }),
    ]);
    // Handed to the scheduler after the commit: its first attempt waits in its webhook's line
    // (no worker runs here, so none is dispatched as a job yet).
    expect(await app.container.fairQueue.webhookState(webhookId)).toEqual({ waiting: 1, inFlight: 0 });
    expect(await app.container.queue.getJob(`${event.deliveries[0]!.id}-0-0`)).toBeUndefined();
  });

  it("creates no delivery for a type nobody subscribed to, or for disabled webhooks", async () => {
    await app.call("POST", "/v1/event-types", { key: acct.apiKey, body: { name: "invoice.paid", description: "d" } });
    expect((await emit({ type: "invoice.paid", data: {} })).body.deliveries).toBe(0);

    await app.container.db.webhook.update({ where: { id: webhookId }, data: { status: "disabled", disabledReason: "test" } });
    try {
      expect((await emit({ type: "message.created", data: {} })).body.deliveries).toBe(0);
    } finally {
      await app.container.db.webhook.update({ where: { id: webhookId }, data: { status: "active", disabledReason: null } });
    }
  });

  it("refuses unknown types, non-object data and oversize data, storing nothing", async () => {
    const before = await app.container.db.event.count();
    const unknown = await emit({ type: "nope.never", data: {} });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toMatchObject({ code: "unknown_event_types", details: { unknown: ["nope.never"] } });
    expect((await emit({ type: "message.created", data: [1, 2] })).status).toBe(400);
    expect((await emit({ type: "message.created" })).body.error.details.issues[0].field).toBe("body.data");
    const big = await emit({ type: "message.created", data: { blob: "x".repeat(256 * 1024) } });
    expect(big.status).toBe(413);
    expect(await app.container.db.event.count()).toBe(before);
  });

  describe("idempotency", () => {
    it("answers a retried call with the first answer and creates nothing new", async () => {
      const body = { type: "message.created", data: { id: 7 }, idempotencyKey: "order-7-created" };
      const first = await emit(body);
      const again = await emit(body);
      expect(first.status).toBe(202);
      expect(again.status).toBe(202);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(first.headers.get("idempotent-replayed")).toBeNull();
      expect(await app.container.db.event.count({ where: { idempotencyKey: "order-7-created" } })).toBe(1);
      expect(await app.container.db.delivery.count({ where: { eventId: first.body.id } })).toBe(1);
    });

    it("creates one event when the same call races itself", async () => {
      const body = { type: "message.created", data: { id: 8 }, idempotencyKey: "race-8" };
      const answers = await Promise.all(Array.from({ length: 8 }, () => emit(body)));
      expect(new Set(answers.map((a) => a.status))).toEqual(new Set([202]));
      expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
      expect(await app.container.db.event.count({ where: { idempotencyKey: "race-8" } })).toBe(1);
    });

    it("refuses a key reused for a different event with 409", async () => {
      await emit({ type: "message.created", data: { id: 9 }, idempotencyKey: "k-9" });
      const res = await emit({ type: "message.created", data: { id: 10 }, idempotencyKey: "k-9" });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe("idempotency_key_reused");
    });

    it("keeps keys per account", async () => {
      const other = await app.newAccount("other");
      const body = { type: "message.created", data: {}, idempotencyKey: "shared-key" };
      const a = await emit(body);
      const b = await emit(body, other.apiKey);
      expect(a.body.id).not.toBe(b.body.id);
    });
  });

  describe("batches", () => {
    it("accepts several events at once, answering in order", async () => {
      const res = await app.call("POST", "/v1/events/batch", {
        key: acct.apiKey,
        body: { events: [{ type: "message.created", data: { i: 0 } }, { type: "chat.status_changed", data: { i: 1 } }, { type: "invoice.paid", data: {} }] },
      });
      expect(res.status).toBe(202);
      expect(res.body.data.map((e: { type: string; deliveries: number }) => [e.type, e.deliveries])).toEqual([
        ["message.created", 1],
        ["chat.status_changed", 1],
        ["invoice.paid", 0],
      ]);
    });

    it("makes a retried batch with the same key create nothing twice", async () => {
      const body = { idempotencyKey: "batch-42", events: [{ type: "message.created", data: { i: 0 } }, { type: "message.created", data: { i: 1 } }] };
      const first = await app.call("POST", "/v1/events/batch", { key: acct.apiKey, body });
      const again = await app.call("POST", "/v1/events/batch", { key: acct.apiKey, body });
      expect(again.body).toEqual(first.body);
      expect(first.body.data.map((e: { idempotencyKey: string }) => e.idempotencyKey)).toEqual(["batch-42#0", "batch-42#1"]);
      expect(await app.container.db.event.count({ where: { idempotencyKey: { startsWith: "batch-42#" } } })).toBe(2);
    });

    it("accepts all or nothing", async () => {
      const before = await app.container.db.event.count();
      const res = await app.call("POST", "/v1/events/batch", {
        key: acct.apiKey,
        body: { events: [{ type: "message.created", data: {} }, { type: "no.such", data: {} }] },
      });
      expect(res.status).toBe(422);
      expect(await app.container.db.event.count()).toBe(before);
    });

    it("refuses more events than the configured maximum", async () => {
      const events = Array.from({ length: 101 }, () => ({ type: "message.created", data: {} }));
      const res = await app.call("POST", "/v1/events/batch", { key: acct.apiKey, body: { events } });
      expect(res.status).toBe(400);
      expect(res.body.error.details.issues[0].field).toBe("body.events");
    });
  });

  describe("who may emit for whom", () => {
    it("lets the admin key emit for a named account", async () => {
      const res = await emit({ type: "message.created", data: {}, accountId: acct.accountId }, app.adminKey);
      expect(res.status).toBe(202);
      expect(res.body.deliveries).toBe(1);
      expect((await app.container.db.event.findUniqueOrThrow({ where: { id: res.body.id } })).accountId).toBe(acct.accountId);
    });

    it("asks the admin key which account, and refuses an unknown one", async () => {
      const none = await emit({ type: "message.created", data: {} }, app.adminKey);
      expect(none.status).toBe(400);
      expect(none.body.error.message).toMatch(/accountId/);
      expect((await emit({ type: "message.created", data: {}, accountId: "acc_01M8000000000000000000000Z" }, app.adminKey)).status).toBe(404);
    });

    it("keeps an account key to its own account", async () => {
      const other = await app.newAccount("someone else");
      const res = await emit({ type: "message.created", data: {}, accountId: other.accountId });
      expect(res.status).toBe(403);
      const own = await emit({ type: "message.created", data: {}, accountId: acct.accountId });
      expect(own.status).toBe(202);
    });
  });
});
