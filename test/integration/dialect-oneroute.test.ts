import { createHmac } from "node:crypto";
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { oneRouteDialect } from "../../src/dialects/oneroute";
import { SEED_CATALOGS } from "../../src/event-types/seed-catalogs";
import { eventually, startTestApp, type TestApp } from "../support/app";

/**
 * A customer's endpoint written from seed 003 alone: express.json(), then exactly the seed's
 * check, `createHmac('sha512', secret).update(JSON.stringify(req.body)).digest('hex')` compared
 * with x-oneroute-signature. It never sees the raw bytes, so a body whose re-serialization
 * differs by one byte fails here.
 */
async function startOneRouteReceiver() {
  const state = { secret: "", seen: [] as string[], accepted: [] as { headers: Record<string, unknown>; event: Record<string, unknown> }[], rejected: 0 };
  const app = express();
  app.use((req, _res, next) => {
    state.seen.push(`${req.method} ${req.originalUrl}`);
    next();
  });
  app.use(express.json());
  app.post("/my/webhook/url", (req, res) => {
    const oneRouteSignatureHash = req.headers["x-oneroute-signature"];
    const hash = createHmac("sha512", state.secret).update(JSON.stringify(req.body)).digest("hex");
    if (oneRouteSignatureHash === hash) {
      state.accepted.push({ headers: req.headers, event: req.body });
      res.sendStatus(200);
    } else {
      state.rejected++;
      res.sendStatus(401);
    }
  });
  const server: Server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/my/webhook/url`;
  return {
    state,
    url,
    post: (body: string, signature: string) =>
      fetch(url, { method: "POST", body, headers: { "content-type": "application/json", "x-oneroute-signature": signature } }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("webhooks in the oneroute dialect", () => {
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp({ HOOKRELAY_RETRY_SCHEDULE: "0,50ms", HOOKRELAY_RETRY_JITTER: "0" }, { worker: true });
  });
  beforeEach(async () => {
    key = (await app.newAccount()).apiKey;
    expect((await app.call("POST", "/v1/event-types/import", { key, body: { catalog: "oneroute" } })).status).toBe(200);
  });
  afterAll(() => app.close());

  async function registered() {
    const receiver = await startOneRouteReceiver();
    app.onClose(receiver.close);
    const res = await app.call("POST", "/v1/webhooks", {
      key,
      body: { url: receiver.url, dialect: "oneroute", eventTypes: ["newMessage", "compaignDeliveryReport"] },
    });
    expect(res.status).toBe(201);
    receiver.state.secret = res.body.secret;
    return { receiver, webhook: res.body };
  }
  const emitRaw = (json: string) => app.call("POST", "/v1/events", { key, rawBody: json, headers: { "content-type": "application/json" } });
  const succeeded = (eventId: string) =>
    eventually(async () => (await app.container.db.delivery.findFirst({ where: { eventId, status: "succeeded" } })) ?? null, "the delivery to succeed");

  it("registers without any request to the endpoint, and generates the secret", async () => {
    const { receiver, webhook } = await registered();
    expect(webhook).toMatchObject({ dialect: "oneroute", status: "active" });
    expect(webhook.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(receiver.state.seen).toEqual([]);
  });

  it("delivers the seed's newMessage shape, which the seed's receiver accepts", async () => {
    const { receiver, webhook } = await registered();
    const data = SEED_CATALOGS.oneroute[0]!.sample;

    const res = await app.call("POST", "/v1/events", { key, body: { type: "newMessage", data } });
    await succeeded(res.body.id);

    expect(receiver.state.rejected).toBe(0);
    expect(receiver.state.accepted).toHaveLength(1);
    const got = receiver.state.accepted[0]!;
    expect(got.event).toEqual({ event: "newMessage", ...data });
    expect(Object.keys(got.event)[0]).toBe("event");
    expect(got.headers["x-oneroute-signature"]).toMatch(/^[0-9a-f]{128}$/);
    const [attempt] = await app.container.db.deliveryAttempt.findMany({ where: { webhookId: webhook.id } });
    expect(JSON.stringify(attempt!.requestHeaders)).not.toContain(got.headers["x-oneroute-signature"]);
  });

  it("is rejected by the seed's receiver when the body is tampered with, and accepted when it is not", async () => {
    const { receiver } = await registered();
    await succeeded((await emitRaw('{"type":"compaignDeliveryReport","data":{"message":"campaign completed.","sent":10}}')).body.id);
    const signature = String(receiver.state.accepted[0]!.headers["x-oneroute-signature"]);
    const body = JSON.stringify(receiver.state.accepted[0]!.event);

    expect((await receiver.post(body.replace('"sent":10', '"sent":11'), signature)).status).toBe(401);
    expect((await receiver.post(body, signature)).status).toBe(200);
  });

  it("sends non-ASCII text (and U+2028) that the seed's re-serializing check still accepts", async () => {
    const { receiver } = await registered();

    const res = await emitRaw('{"type":"newMessage","data":{"message":{"content":"Olá, ¿qué tal? 你好 👋 caf\\u00e9 a\u2028b"}}}');
    await succeeded(res.body.id);

    expect(receiver.state.rejected).toBe(0);
    expect(receiver.state.accepted[0]!.event).toEqual({ event: "newMessage", message: { content: "Olá, ¿qué tal? 你好 👋 café a\u2028b" } });
  });

  it("sends tricky JSON from the API (numbers, escapes, duplicate and integer-like keys, its own event) so the seed's check accepts it", async () => {
    const { receiver } = await registered();
    const raw =
      '{"type":"newMessage","data":{"event":"spoofed","url":"https:\\/\\/x.example\\/a","big":1e21,"tiny":1E-7,"zero":-0,"fixed":1.50,' +
      '"huge":12345678901234567890,"a":1,"a":2,"2":"two","1":"one","lone":"\\udc00"}}';

    const res = await emitRaw(raw);
    expect(res.status).toBe(202);
    await succeeded(res.body.id);

    expect(receiver.state.rejected).toBe(0);
    expect(receiver.state.accepted[0]!.event).toEqual({
      1: "one",
      2: "two",
      event: "newMessage",
      url: "https://x.example/a",
      big: 1e21,
      tiny: 1e-7,
      zero: 0,
      fixed: 1.5,
      huge: 12345678901234567000,
      a: 2,
      lone: "\udc00",
    });
  });

  it.each([
    ["escaped slashes and non-ASCII", '{"u":"a\\/b","t":"\\u00fcber \\u2028"}'],
    ["-0, 1e21 and a trailing-zero decimal", '{"z":-0,"b":1e21,"d":2.50}'],
    ["duplicate keys", '{"a":1,"a":{"b":2,"b":3}}'],
    ["a __proto__ key and integer-like keys", '{"__proto__":{"x":1},"10":true,"9":false}'],
    ["whitespace and a data event field", '{ "event" : "theirs" ,\n "k" : [ 1 , "2" ] }'],
  ])("renders stored data with %s into bytes the seed's receiver verifies", async (_label, data) => {
    // Stored text need not be canonical (older rows, other writers): render it directly.
    const receiver = await startOneRouteReceiver();
    app.onClose(receiver.close);
    receiver.state.secret = "stored-text-secret-00001";
    const dialect = oneRouteDialect({ minSecretLength: 16 });
    const body = dialect.render({ event: { id: "evt_1", type: "newMessage", createdAt: new Date(), data }, deliveryId: "dlv_1" });
    const { "x-oneroute-signature": signature } = dialect.sign({ body, secrets: [receiver.state.secret], deliveryId: "dlv_1", eventType: "newMessage", attempt: 1, now: new Date() });

    expect((await receiver.post(body, signature!)).status).toBe(200);
    expect(receiver.state.accepted[0]!.event.event).toBe("newMessage");
  });

  it("sends the catalog sample when the test-event button is pressed, and the seed's receiver accepts it", async () => {
    const { receiver, webhook } = await registered();

    const res = await app.call("POST", `/v1/webhooks/${webhook.id}/test`, { key, body: { eventType: "compaignDeliveryReport" } });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, statusCode: 200 });
    expect(receiver.state.accepted).toHaveLength(1);
    expect(receiver.state.accepted[0]!.event).toEqual({ event: "compaignDeliveryReport", ...SEED_CATALOGS.oneroute[1]!.sample });
  });
});
