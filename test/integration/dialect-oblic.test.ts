import { createHmac } from "node:crypto";
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { SEED_CATALOGS } from "../../src/event-types/seed-catalogs";
import { eventually, startTestApp, type TestApp } from "../support/app";

/**
 * A customer's endpoint written from seed 004 alone: the HMAC-SHA256 of the request payload
 * (the raw body) with the secret webhook key must equal x-oblic-signature; then the `type`
 * attribute says what happened and `payload` carries the resource.
 */
async function startOblicReceiver() {
  const state = {
    secret: "",
    seen: [] as string[],
    accepted: [] as { headers: Record<string, unknown>; raw: Buffer; webhook: { id: string; type: string; payload: Record<string, unknown> } }[],
    rejected: 0,
  };
  const app = express();
  app.use((req, _res, next) => {
    state.seen.push(`${req.method} ${req.originalUrl}`);
    next();
  });
  app.post("/oblic/webhooks", express.raw({ type: "application/json" }), (req, res) => {
    const payload = req.body as Buffer;
    const signature = req.headers["x-oblic-signature"];
    const hash = createHmac("sha256", state.secret).update(payload).digest("hex");
    if (hash === signature) {
      state.accepted.push({ headers: req.headers, raw: payload, webhook: JSON.parse(payload.toString("utf8")) });
      res.sendStatus(200);
    } else {
      state.rejected++;
      res.sendStatus(401);
    }
  });
  const server: Server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oblic/webhooks`;
  return {
    state,
    url,
    post: (body: Buffer | string, signature: string) =>
      fetch(url, { method: "POST", body, headers: { "content-type": "application/json", "x-oblic-signature": signature } }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const sampleOf = (name: string) => SEED_CATALOGS.oblic.find((t) => t.name === name)!.sample;

describe("webhooks in the oblic dialect", () => {
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp({ HOOKRELAY_RETRY_SCHEDULE: "0,50ms", HOOKRELAY_RETRY_JITTER: "0" }, { worker: true });
  });
  beforeEach(async () => {
    key = (await app.newAccount()).apiKey;
    expect((await app.call("POST", "/v1/event-types/import", { key, body: { catalog: "oblic" } })).status).toBe(200);
  });
  afterAll(() => app.close());

  async function registered(eventTypes = ["message.updated", "conversation.updated", "contact.created"]) {
    const receiver = await startOblicReceiver();
    app.onClose(receiver.close);
    const res = await app.call("POST", "/v1/webhooks", { key, body: { url: receiver.url, dialect: "oblic", eventTypes } });
    expect(res.status).toBe(201);
    receiver.state.secret = res.body.secret;
    return { receiver, webhook: res.body };
  }
  const emit = (type: string, data: unknown) => app.call("POST", "/v1/events", { key, body: { type, data } });
  const succeeded = (eventId: string) =>
    eventually(async () => (await app.container.db.delivery.findFirst({ where: { eventId, status: "succeeded" } })) ?? null, "the delivery to succeed");

  it("registers without any request to the endpoint, and generates the secret", async () => {
    const { receiver, webhook } = await registered();
    expect(webhook).toMatchObject({ dialect: "oblic", status: "active" });
    expect(webhook.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(receiver.state.seen).toEqual([]);
  });

  it("delivers {id, type, payload} signed over the raw body, which the seed's receiver accepts", async () => {
    const { receiver, webhook } = await registered();
    const data = sampleOf("message.updated");

    const res = await emit("message.updated", data);
    await succeeded(res.body.id);

    expect(receiver.state.rejected).toBe(0);
    const got = receiver.state.accepted[0]!;
    expect(got.raw.toString("utf8")).toBe(`{"id":"${res.body.id}","type":"message.updated","payload":${JSON.stringify(data)}}`);
    expect(got.webhook).toEqual({ id: res.body.id, type: "message.updated", payload: data });
    expect(got.headers["x-oblic-signature"]).toMatch(/^[0-9a-f]{64}$/);
    const [attempt] = await app.container.db.deliveryAttempt.findMany({ where: { webhookId: webhook.id } });
    expect(JSON.stringify(attempt!.requestHeaders)).not.toContain(got.headers["x-oblic-signature"]);
  });

  it("is rejected by the seed's receiver when the body is tampered with, and accepted when it is not", async () => {
    const { receiver } = await registered();
    await succeeded((await emit("conversation.updated", { id: "WAz8eIbvDR60rouK", is_muted: false })).body.id);
    const got = receiver.state.accepted[0]!;
    const signature = String(got.headers["x-oblic-signature"]);

    expect((await receiver.post(got.raw.toString("utf8").replace('"is_muted":false', '"is_muted":true'), signature)).status).toBe(401);
    expect((await receiver.post(got.raw, signature)).status).toBe(200);
  });

  it("sends non-ASCII text as raw UTF-8 that verifies and parses back to the same text", async () => {
    const { receiver } = await registered();
    const data = { id: "WAz8eIbvDR60rouK", username: "Kévin McCallister", note: "I’m traveling with my dad 🏨 東京 \u2028" };

    await succeeded((await emit("contact.created", data)).body.id);

    expect(receiver.state.rejected).toBe(0);
    const got = receiver.state.accepted[0]!;
    expect(got.raw.toString("utf8")).toContain("Kévin McCallister");
    expect(got.webhook.payload).toEqual(data);
  });

  it("sends the catalog sample when the test-event button is pressed, and the seed's receiver accepts it", async () => {
    const { receiver, webhook } = await registered();

    const res = await app.call("POST", `/v1/webhooks/${webhook.id}/test`, { key, body: { eventType: "conversation.updated" } });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, statusCode: 200 });
    expect(receiver.state.accepted).toHaveLength(1);
    expect(receiver.state.accepted[0]!.webhook).toEqual({ id: res.body.eventId, type: "conversation.updated", payload: sampleOf("conversation.updated") });
  });

  it("delivers the built-in message.created (skipped by the import) in the oblic envelope too", async () => {
    const { receiver, webhook } = await registered(["message.created"]);

    const res = await app.call("POST", `/v1/webhooks/${webhook.id}/test`, { key });

    expect(res.body).toMatchObject({ success: true, statusCode: 200 });
    expect(receiver.state.accepted[0]!.webhook).toMatchObject({ type: "message.created", payload: { message: expect.any(Object) } });
  });
});
