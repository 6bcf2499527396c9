import { aWebhook } from "../support/factories";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { expectedHubSignature, startWebhookReceiver } from "../support/receivers";

const TOKEN = "pipeline-verify-token-01";

/** A short schedule: tests never wait real minutes. */
const FAST = { HOOKRELAY_RETRY_SCHEDULE: "0,50ms,50ms,50ms", HOOKRELAY_RETRY_JITTER: "0" };

describe("the delivery pipeline", () => {
  let app: TestApp;
  /** Each test gets an account of its own, so its events reach only its own webhooks. */
  let key: string;

  beforeAll(async () => {
    app = await startTestApp(FAST, { worker: true });
  });
  beforeEach(async () => {
    key = (await app.newAccount()).apiKey;
  });
  afterAll(async () => {
    await app.close();
  });

  const webhook = (eventTypes: string[] = ["message.created"]) => aWebhook(app, key, { eventTypes, token: TOKEN });
  const emit = (type: string, data: unknown) => app.call("POST", "/v1/events", { key, body: { type, data } });
  const deliveryOf = async (eventId: string) => app.container.db.delivery.findFirstOrThrow({ where: { eventId } });

  it("delivers a signed envelope that the receiver verifies over the raw body", async () => {
    const { receiver } = await webhook();
    const data = { text: "Olá, ¿qué tal? 你好 👋", amount: 12.5, nested: { b: 1, a: [true, null] } };
    const res = await emit("message.created", data);
    const [got] = await eventually(async () => receiver.deliveries.length >= 1 && receiver.deliveries, "the delivery");
    const delivery = await deliveryOf(res.body.id);

    expect(got!.headers["x-hub-signature-256"]).toBe(expectedHubSignature(got!.body, TOKEN));
    expect(got!.headers).toMatchObject({
      "content-type": "application/json",
      "user-agent": expect.stringMatching(/^hookrelay\/\d/),
      "x-webhook-event": "message.created",
      "x-webhook-id": delivery.id,
      "x-webhook-attempt": "1",
    });
    // Meta's own convention: non-ASCII escaped, so raw-byte and re-escaping verifiers agree.
    const escaped = JSON.stringify(data).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
    expect(got!.body.toString("utf8")).toBe(
      `{"id":"${res.body.id}","type":"message.created","createdAt":"${res.body.createdAt}","data":${escaped}}`,
    );
    expect(got!.body.toString("utf8")).toContain('"text":"Ol\\u00e1, \\u00bfqu\\u00e9 tal? \\u4f60\\u597d \\ud83d\\udc4b"');
    expect(JSON.parse(got!.body.toString("utf8")).data).toEqual(data);
    await eventually(async () => (await deliveryOf(res.body.id)).status === "succeeded", "the delivery to be marked succeeded");
    const attempts = await app.container.db.deliveryAttempt.findMany({ where: { deliveryId: delivery.id } });
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ success: true, responseStatus: 200, responseBody: "ok", attemptNumber: 1, isTest: false });
    expect(JSON.stringify(attempts[0]!.requestHeaders)).not.toContain(got!.headers["x-hub-signature-256"]);
  });

  it("fans out to every subscribed webhook and to no other", async () => {
    const subscribed = [await webhook(["chat.status_changed"]), await webhook(["message.created", "chat.status_changed"])];
    const other = await webhook(["meta.message"]);
    const res = await emit("chat.status_changed", { chat: "c1" });
    expect(res.body.deliveries).toBe(2);
    for (const { receiver } of subscribed) {
      await eventually(async () => receiver.deliveries.length === 1, "a delivery at each subscribed webhook");
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(other.receiver.deliveries).toHaveLength(0);
    expect(subscribed.map((s) => s.receiver.deliveries.length)).toEqual([1, 1]);
  });

  it("retries a failing receiver until it succeeds, with the same bytes and id, and resets the failure count", async () => {
    const { receiver, id } = await webhook();
    let calls = 0;
    receiver.respond = (_req, res) => res.writeHead(++calls <= 2 ? 500 : 200).end(calls <= 2 ? "boom" : "ok");
    const res = await emit("message.created", { try: "again" });

    await eventually(async () => (await deliveryOf(res.body.id)).status === "succeeded", "success on the third attempt");
    expect(receiver.deliveries.map((d) => d.headers["x-webhook-attempt"])).toEqual(["1", "2", "3"]);
    expect(new Set(receiver.deliveries.map((d) => d.body.toString("base64"))).size).toBe(1);
    expect(new Set(receiver.deliveries.map((d) => d.headers["x-webhook-id"])).size).toBe(1);
    expect(new Set(receiver.deliveries.map((d) => d.headers["x-hub-signature-256"])).size).toBe(1);

    const log = await app.call("GET", `/v1/webhooks/${id}/deliveries`, { key });
    expect(log.body.data.map((a: { attemptNumber: number; statusCode: number; success: boolean }) => [a.attemptNumber, a.statusCode, a.success])).toEqual([
      [3, 200, true],
      [2, 500, false],
      [1, 500, false],
    ]);
    const wh = (await app.call("GET", `/v1/webhooks/${id}`, { key })).body;
    expect(wh).toMatchObject({ consecutiveFailures: 0, health: "healthy", status: "active" });
    expect(wh.lastFailureAt).not.toBeNull();
    expect(wh.lastSuccessAt).not.toBeNull();
  });

  it("marks a delivery failed after the last attempt and counts every failure", async () => {
    const { receiver, id } = await webhook();
    receiver.respond = (_req, res) => res.writeHead(503).end("down");
    const res = await emit("message.created", {});
    await eventually(async () => (await deliveryOf(res.body.id)).status === "failed", "the delivery to fail");
    const delivery = await deliveryOf(res.body.id);
    expect(delivery).toMatchObject({ attemptCount: 4, lastStatusCode: 503, nextAttemptAt: null });
    expect(delivery.lastError).toMatch(/HTTP 503; no attempts left/);
    expect(receiver.deliveries).toHaveLength(4);
    const wh = (await app.call("GET", `/v1/webhooks/${id}`, { key })).body;
    expect(wh).toMatchObject({ consecutiveFailures: 4, status: "active" });
  });

  it("disables a webhook at once when its endpoint answers 410 Gone", async () => {
    const { receiver, id } = await webhook();
    receiver.respond = (_req, res) => res.writeHead(410).end("gone");
    const res = await emit("message.created", {});
    await eventually(async () => (await deliveryOf(res.body.id)).status === "failed", "the delivery to stop");
    expect(receiver.deliveries).toHaveLength(1);
    const wh = (await app.call("GET", `/v1/webhooks/${id}`, { key })).body;
    expect(wh).toMatchObject({ status: "disabled", health: "disabled", disabledReason: expect.stringMatching(/410/) });
    expect(wh.disabledAt).not.toBeNull();
  });

  it("honours Retry-After on 429", async () => {
    const { receiver } = await webhook();
    let calls = 0;
    receiver.respond = (_req, res) => (++calls === 1 ? res.writeHead(429, { "retry-after": "1" }).end() : res.writeHead(200).end());
    const res = await emit("message.created", {});
    await eventually(async () => (await deliveryOf(res.body.id)).status === "succeeded", "success after the pause");
    const [first, second] = receiver.deliveries.map((d) => d.at);
    expect(second! - first!).toBeGreaterThanOrEqual(950);
  });
});

describe("when things go wrong around the pipeline", () => {
  it("ends an attempt on a receiver that hangs at about 5 seconds, as a timeout", async () => {
    const app = await startTestApp({ HOOKRELAY_RETRY_SCHEDULE: "0" }, { worker: true });
    const receiver = await startWebhookReceiver(TOKEN);
    receiver.respond = () => undefined;
    try {
      const key = (await app.newAccount()).apiKey;
      await app.call("POST", "/v1/webhooks", { key, body: { url: receiver.url, verifyToken: TOKEN, eventTypes: ["message.created"] } });
      const res = await app.call("POST", "/v1/events", { key, body: { type: "message.created", data: {} } });
      const delivery = await eventually(
        async () => {
          const d = await app.container.db.delivery.findFirst({ where: { eventId: res.body.id, status: "failed" } });
          return d && { ...d, attempts: await app.container.db.deliveryAttempt.findMany({ where: { deliveryId: d.id } }) };
        },
        "the attempt to time out",
        10_000,
      );
      expect(delivery.attempts).toHaveLength(1);
      expect(delivery.attempts[0]).toMatchObject({ success: false, responseStatus: null, errorClass: "timeout", errorMessage: "timed out after 5000 ms" });
      expect(delivery.attempts[0]!.responseTimeMs).toBeGreaterThanOrEqual(4_900);
      expect(delivery.attempts[0]!.responseTimeMs).toBeLessThan(6_500);
    } finally {
      await receiver.close();
      await app.close();
    }
  }, 20_000);
});
