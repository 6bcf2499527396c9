import { aWebhook } from "../support/factories";
import { createHmac } from "node:crypto";
import { BUILTIN_EVENT_TYPES } from "../../src/event-types/catalog";
import { startTestApp, type TestApp } from "../support/app";
import { type Respond } from "../support/receivers";

const TOKEN = "test-event-token-000001";
// Short enough that a retry, had one been scheduled, would arrive well inside QUIET_MS.
const QUIET_MS = 400;

const sampleOf = (name: string) => BUILTIN_EVENT_TYPES.find((t) => t.name === name)!.sample;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const hubSignature = (body: Buffer) => `sha256=${createHmac("sha256", TOKEN).update(body).digest("hex")}`;

describe("sending a test event to a webhook", () => {
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp(
      {
        HOOKRELAY_RETRY_SCHEDULE: "0,50ms,50ms",
        HOOKRELAY_RETRY_JITTER: "0",
        // The recovery sweep runs often and early, so it would catch a test delivery left pending.
        HOOKRELAY_RECOVERY_INTERVAL: "100ms",
        HOOKRELAY_RECOVERY_GRACE: "50ms",
      },
      { worker: true },
    );
    key = (await app.newAccount()).apiKey;
  });
  afterAll(async () => {
    await app.close();
  });

  /** A receiver of its own and a webhook registered on it. */
  const aWebhookHere = async (eventTypes: string[] = ["message.created", "chat.status_changed"]) => {
    const { receiver, id } = await aWebhook(app, key, { eventTypes, token: TOKEN });
    return { receiver, webhook: { id } };
  };
  const sendTest = (webhookId: string, body?: unknown) => app.call("POST", `/v1/webhooks/${webhookId}/test`, { key, body });
  const answerWith = (status: number, text: string): Respond => (_req, res) => res.writeHead(status, { "content-type": "text/plain" }).end(text);

  it("sends the first subscribed type's sample inside the envelope, signed with the verify token, when no body is given", async () => {
    const { receiver, webhook } = await aWebhookHere(["message.created", "chat.status_changed"]);

    const res = await sendTest(webhook.id);

    expect(res.status).toBe(200);
    expect(receiver.deliveries).toHaveLength(1);
    const got = receiver.deliveries[0]!;
    const envelope = JSON.parse(got.body.toString("utf8"));
    expect(Object.keys(envelope)).toEqual(["id", "type", "createdAt", "data"]);
    expect(envelope).toEqual({
      id: res.body.eventId,
      type: "message.created",
      createdAt: expect.any(String),
      data: sampleOf("message.created"),
    });
    expect(new Date(envelope.createdAt).toISOString()).toBe(envelope.createdAt);
    expect(got.headers["x-hub-signature-256"]).toBe(hubSignature(got.body));
    expect(got.headers).toMatchObject({
      "content-type": "application/json",
      "x-webhook-event": "message.created",
      "x-webhook-id": res.body.deliveryId,
      "x-webhook-attempt": "1",
    });
  });

  it("sends the sample of the event type named in the body", async () => {
    const { receiver, webhook } = await aWebhookHere(["message.created", "chat.status_changed"]);

    const res = await sendTest(webhook.id, { eventType: "chat.status_changed" });

    expect(res.status).toBe(200);
    expect(receiver.deliveries).toHaveLength(1);
    const got = receiver.deliveries[0]!;
    const envelope = JSON.parse(got.body.toString("utf8"));
    expect(envelope.type).toBe("chat.status_changed");
    expect(envelope.data).toEqual(sampleOf("chat.status_changed"));
    expect(got.headers["x-webhook-event"]).toBe("chat.status_changed");
    expect(got.headers["x-hub-signature-256"]).toBe(hubSignature(got.body));
  });

  it("answers success with the status, the response time and the receiver's body when the endpoint answers 200", async () => {
    const { receiver, webhook } = await aWebhookHere();
    receiver.respond = answerWith(200, "thanks!");

    const res = await sendTest(webhook.id);

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: true,
      statusCode: 200,
      responseTimeMs: expect.any(Number),
      responseBody: "thanks!",
      deliveryId: expect.stringMatching(/^dlv_/),
      eventId: expect.stringMatching(/^evt_/),
    });
    expect(Number.isInteger(res.body.responseTimeMs)).toBe(true);
    expect(res.body.responseTimeMs).toBeGreaterThanOrEqual(0);
  });

  it("answers failure with the status, the receiver's body and an error when the endpoint answers 500, and sends it only once", async () => {
    const { receiver, webhook } = await aWebhookHere();
    receiver.respond = answerWith(500, "exploded");

    const res = await sendTest(webhook.id);

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: false,
      statusCode: 500,
      responseTimeMs: expect.any(Number),
      responseBody: "exploded",
      error: expect.stringContaining("500"),
      deliveryId: expect.any(String),
      eventId: expect.any(String),
    });
    await sleep(QUIET_MS);
    expect(receiver.deliveries).toHaveLength(1);
    const delivery = await app.call("GET", `/v1/deliveries/${res.body.deliveryId}`, { key });
    expect(delivery.body).toMatchObject({ status: "failed", isTest: true, attemptCount: 1, lastStatusCode: 500 });
    expect(delivery.body.attempts).toHaveLength(1);
  });

  it("answers failure without a status when the connection is refused, and makes no second attempt", async () => {
    const { receiver, webhook } = await aWebhookHere();
    await receiver.close();

    const res = await sendTest(webhook.id);

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      success: false,
      statusCode: null,
      responseTimeMs: expect.any(Number),
      error: expect.stringContaining("ECONNREFUSED"),
      deliveryId: expect.any(String),
      eventId: expect.any(String),
    });
    await sleep(QUIET_MS);
    const attempts = await app.container.db.deliveryAttempt.count({ where: { deliveryId: res.body.deliveryId } });
    expect(attempts).toBe(1);
    const delivery = await app.call("GET", `/v1/deliveries/${res.body.deliveryId}`, { key });
    expect(delivery.body).toMatchObject({ status: "failed", attemptCount: 1, nextAttemptAt: null });
  });

  it("logs the test attempt in the webhook's delivery log flagged as a test", async () => {
    const { webhook } = await aWebhookHere();

    const res = await sendTest(webhook.id, { eventType: "chat.status_changed" });

    const log = await app.call("GET", `/v1/webhooks/${webhook.id}/deliveries`, { key });
    expect(log.status).toBe(200);
    expect(log.body.data).toHaveLength(1);
    expect(log.body.data[0]).toMatchObject({
      deliveryId: res.body.deliveryId,
      eventId: res.body.eventId,
      eventType: "chat.status_changed",
      attemptNumber: 1,
      isTest: true,
      success: true,
      statusCode: 200,
    });
    const delivery = await app.call("GET", `/v1/deliveries/${res.body.deliveryId}`, { key });
    expect(delivery.body).toMatchObject({ isTest: true, status: "succeeded", eventType: "chat.status_changed" });
  });

  it("does not count failing test events against the webhook, not even a 410 Gone", async () => {
    const { receiver, webhook } = await aWebhookHere();
    receiver.respond = answerWith(500, "down");
    for (let i = 0; i < 3; i++) expect((await sendTest(webhook.id)).body.success).toBe(false);
    receiver.respond = answerWith(410, "gone");
    expect((await sendTest(webhook.id)).body).toMatchObject({ success: false, statusCode: 410 });

    await sleep(QUIET_MS);
    const after = await app.call("GET", `/v1/webhooks/${webhook.id}`, { key });
    expect(after.body).toMatchObject({
      status: "active",
      health: "healthy",
      consecutiveFailures: 0,
      lastFailureAt: null,
      disabledReason: null,
    });
    expect(receiver.deliveries).toHaveLength(4);
  });

  it("does not reset the failure count of a failing webhook when a test event succeeds", async () => {
    const { webhook } = await aWebhookHere();
    const failingSince = new Date(Date.now() - 60_000);
    await app.container.db.webhook.update({ where: { id: webhook.id }, data: { consecutiveFailures: 3, failingSince } });

    expect((await sendTest(webhook.id)).body.success).toBe(true);

    const row = await app.container.db.webhook.findUniqueOrThrow({ where: { id: webhook.id } });
    expect(row).toMatchObject({ consecutiveFailures: 3, failingSince, lastSuccessAt: null });
  });

  it("sends the sample of an event type the account defined", async () => {
    const sample = { invoice: { id: "inv_9", total: 4200, currency: "EUR", lines: [{ sku: "A-1", qty: 2 }] } };
    const created = await app.call("POST", "/v1/event-types", {
      key,
      body: { name: "invoice.paid", description: "An invoice was paid", sample },
    });
    expect(created.status).toBe(201);
    const { receiver, webhook } = await aWebhookHere(["invoice.paid"]);

    const res = await sendTest(webhook.id);

    expect(res.body.success).toBe(true);
    const got = receiver.deliveries[0]!;
    const envelope = JSON.parse(got.body.toString("utf8"));
    expect(envelope).toMatchObject({ type: "invoice.paid", data: sample });
    expect(got.headers["x-hub-signature-256"]).toBe(hubSignature(got.body));
  });

  it("refuses an event type that does not exist with 422 and sends nothing", async () => {
    const { receiver, webhook } = await aWebhookHere();

    const res = await sendTest(webhook.id, { eventType: "no_such.thing" });

    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: "unknown_event_types", details: { unknown: ["no_such.thing"] } });
    expect(receiver.deliveries).toHaveLength(0);
    expect(await app.container.db.delivery.count({ where: { webhookId: webhook.id } })).toBe(0);
  });

  it("refuses another account's event type as unknown", async () => {
    const other = await app.newAccount("other");
    const created = await app.call("POST", "/v1/event-types", {
      key: other.apiKey,
      body: { name: "secret.thing", description: "theirs", sample: { private: "data of the other account" } },
    });
    expect(created.status).toBe(201);
    const { receiver, webhook } = await aWebhookHere();

    const res = await sendTest(webhook.id, { eventType: "secret.thing" });

    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("unknown_event_types");
    expect(receiver.deliveries).toHaveLength(0);
  });

  it("answers 404 for a webhook that does not exist", async () => {
    const res = await sendTest("wh_00000000000000000000000000");
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
  });
});
