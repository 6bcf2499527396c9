import { createHmac } from "node:crypto";
import type { ServerResponse } from "node:http";
import { aWebhook } from "../support/factories";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { type Respond, type WebhookReceiver } from "../support/receivers";

const TOKEN = "redelivery-token-0000001";
const QUIET_MS = 300;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const answerWith = (status: number, text = ""): Respond => (_req, res) => res.writeHead(status, { "content-type": "text/plain" }).end(text);
const hubSignature = (body: Buffer) => `sha256=${createHmac("sha256", TOKEN).update(body).digest("hex")}`;

describe("redelivering a delivery", () => {
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp({ HOOKRELAY_RETRY_SCHEDULE: "0,50ms", HOOKRELAY_RETRY_JITTER: "0" }, { worker: true });
    key = (await app.newAccount()).apiKey;
  });
  afterAll(async () => {
    await app.close();
  });

  const aWebhookHere = async () => {
    const { receiver, id } = await aWebhook(app, key, { token: TOKEN });
    return { receiver, webhookId: id };
  };
  /** Emits an event to the webhook and answers the id of the delivery the receiver saw first. */
  const deliverOne = async (receiver: WebhookReceiver, data: Record<string, unknown> = { text: "héllo", n: 1.5e3 }) => {
    const before = receiver.deliveries.length;
    const res = await app.call("POST", "/v1/events", { key, body: { type: "message.created", data } });
    expect(res.status).toBe(202);
    await eventually(async () => receiver.deliveries.length > before, "the first attempt");
    return receiver.deliveries[before]!.headers["x-webhook-id"] as string;
  };
  const getDelivery = (id: string) => app.call("GET", `/v1/deliveries/${id}`, { key });
  const redeliver = (id: string) => app.call("POST", `/v1/deliveries/${id}/redeliver`, { key });
  const settledAs = (id: string, status: string) =>
    eventually(async () => {
      const res = await getDelivery(id);
      return res.body.status === status ? res.body : null;
    }, `delivery ${id} to be ${status}`);

  it("sends a delivery that failed all its attempts again with the same body, the same id and the next attempt numbers", async () => {
    const { receiver } = await aWebhookHere();
    receiver.respond = answerWith(500, "down");
    const id = await deliverOne(receiver);
    const failed = await settledAs(id, "failed");
    expect(failed).toMatchObject({ attemptCount: 2, nextAttemptAt: null });
    expect(receiver.deliveries).toHaveLength(2);

    receiver.respond = answerWith(200, "ok");
    const res = await redeliver(id);

    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ id, status: "pending", attemptCount: 2, isTest: false });
    const done = await settledAs(id, "succeeded");
    expect(receiver.deliveries).toHaveLength(3);
    const [first, , again] = receiver.deliveries;
    expect(again!.body.equals(first!.body)).toBe(true);
    expect(again!.headers["x-webhook-id"]).toBe(id);
    expect(receiver.deliveries.map((d) => d.headers["x-webhook-attempt"])).toEqual(["1", "2", "3"]);
    expect(again!.headers["x-hub-signature-256"]).toBe(hubSignature(again!.body));

    expect(done).toMatchObject({ attemptCount: 3, lastStatusCode: 200, lastError: null });
    expect(done.attempts.map((a: { attemptNumber: number; statusCode: number }) => [a.attemptNumber, a.statusCode])).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
  });

  it("retries a redelivery on the whole schedule again", async () => {
    const { receiver } = await aWebhookHere();
    receiver.respond = answerWith(500);
    const id = await deliverOne(receiver);
    await settledAs(id, "failed");

    expect((await redeliver(id)).status).toBe(202);
    await eventually(async () => receiver.deliveries.length === 4 && (await getDelivery(id)).body.status === "failed", "a second failed chain");

    await sleep(QUIET_MS);
    expect(receiver.deliveries.map((d) => d.headers["x-webhook-attempt"])).toEqual(["1", "2", "3", "4"]);
    const after = await getDelivery(id);
    expect(after.body).toMatchObject({ status: "failed", attemptCount: 4 });
    expect(after.body.attempts).toHaveLength(4);
  });

  it("sends a delivery that already succeeded once more when asked", async () => {
    const { receiver } = await aWebhookHere();
    const id = await deliverOne(receiver);
    await settledAs(id, "succeeded");

    expect((await redeliver(id)).status).toBe(202);
    await eventually(async () => receiver.deliveries.length === 2, "the redelivery");
    await settledAs(id, "succeeded");
    expect(receiver.deliveries[1]!.body.equals(receiver.deliveries[0]!.body)).toBe(true);
    expect(receiver.deliveries[1]!.headers["x-webhook-attempt"]).toBe("2");
  });

  it("refuses with 409 to redeliver a delivery that is still being attempted", async () => {
    const { receiver } = await aWebhookHere();
    const held: ServerResponse[] = [];
    receiver.respond = (_req, res) => held.push(res);
    const id = await deliverOne(receiver);

    const res = await redeliver(id);

    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("delivery_in_progress");
    held.forEach((r) => r.writeHead(200).end("ok"));
    await settledAs(id, "succeeded");
    await sleep(QUIET_MS);
    expect(receiver.deliveries).toHaveLength(1);
  });

  it("lets only one of two simultaneous redeliveries through", async () => {
    const { receiver } = await aWebhookHere();
    receiver.respond = answerWith(500);
    const id = await deliverOne(receiver);
    await settledAs(id, "failed");
    receiver.respond = answerWith(200, "ok");

    const statuses = (await Promise.all([redeliver(id), redeliver(id)])).map((r) => r.status).sort();

    expect(statuses).toEqual([202, 409]);
    await settledAs(id, "succeeded");
    await sleep(QUIET_MS);
    expect(receiver.deliveries).toHaveLength(3);
  });

  it("refuses with 422 to redeliver a test delivery", async () => {
    const { receiver, webhookId } = await aWebhookHere();
    receiver.respond = answerWith(500);
    const test = await app.call("POST", `/v1/webhooks/${webhookId}/test`, { key });
    expect(test.body.success).toBe(false);

    const res = await redeliver(test.body.deliveryId);

    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("test_delivery");
    await sleep(QUIET_MS);
    expect(receiver.deliveries).toHaveLength(1);
  });

  it("refuses redelivery while the webhook is disabled, and redelivers once it is enabled again", async () => {
    const { receiver, webhookId } = await aWebhookHere();
    receiver.respond = answerWith(410, "gone");
    const id = await deliverOne(receiver);
    await settledAs(id, "failed");
    const disabled = await app.call("GET", `/v1/webhooks/${webhookId}`, { key });
    expect(disabled.body).toMatchObject({ status: "disabled", disabledReason: expect.stringContaining("410") });

    const refused = await redeliver(id);
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe("webhook_disabled");
    expect((await getDelivery(id)).body).toMatchObject({ status: "failed", attemptCount: 1 });

    receiver.respond = answerWith(200, "ok");
    const handshakesBefore = receiver.requests.length - receiver.deliveries.length;
    const enabled = await app.call("POST", `/v1/webhooks/${webhookId}/enable`, { key });
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ status: "active", consecutiveFailures: 0, disabledReason: null, disabledAt: null, health: "healthy" });
    expect(receiver.requests.length - receiver.deliveries.length).toBe(handshakesBefore + 1);

    expect((await redeliver(id)).status).toBe(202);
    await settledAs(id, "succeeded");
    expect(receiver.deliveries).toHaveLength(2);
    expect(receiver.deliveries[1]!.body.equals(receiver.deliveries[0]!.body)).toBe(true);
    expect(receiver.deliveries[1]!.headers["x-webhook-attempt"]).toBe("2");
  });

  it("keeps the webhook disabled when enabling it fails the handshake", async () => {
    const { receiver, webhookId } = await aWebhookHere();
    receiver.respond = answerWith(410);
    const id = await deliverOne(receiver);
    await settledAs(id, "failed");
    await receiver.close();

    const res = await app.call("POST", `/v1/webhooks/${webhookId}/enable`, { key });

    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("handshake_failed");
    expect((await app.call("GET", `/v1/webhooks/${webhookId}`, { key })).body.status).toBe("disabled");
    expect((await redeliver(id)).status).toBe(422);
  });

  it("answers 404 for a delivery that does not exist", async () => {
    for (const id of ["dlv_00000000000000000000000000", "not-an-id"]) {
      expect((await redeliver(id)).status).toBe(404);
      expect((await getDelivery(id)).status).toBe(404);
    }
  });
});
