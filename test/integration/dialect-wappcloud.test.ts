import { createHmac } from "node:crypto";
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type Response } from "express";
import { SEED_CATALOGS } from "../../src/event-types/seed-catalogs";
import { eventually, startTestApp, type TestApp } from "../support/app";

/** How the receiver answers the GET validation; the seed's way unless a test says otherwise. */
type ChallengeAnswer = (challenge: string, res: Response) => void;
const seedAnswer: ChallengeAnswer = (challenge, res) => void res.status(200).json({ challenge });

interface Accepted {
  headers: Record<string, string | string[] | undefined>;
  raw: Buffer;
  event: Record<string, unknown>;
}

/**
 * A customer's endpoint written from seed 002 alone: one URL, GET answers `{"challenge": …}`
 * as JSON, POST checks `X-Wappcloud-Signature` against `sha256=` + HMAC-SHA256 of the request
 * body with the secret key, rejects a mismatch, and only then parses the JSON.
 */
async function startWappcloudReceiver(answer: ChallengeAnswer = seedAnswer) {
  const state = { secret: "", validations: [] as URLSearchParams[], accepted: [] as Accepted[], rejected: 0 };
  const app = express();
  app.get("/webhook", (req, res) => {
    state.validations.push(new URL(req.originalUrl, "http://receiver").searchParams);
    answer(String(req.query.challenge), res);
  });
  app.post("/webhook", express.raw({ type: "application/json" }), (req, res) => {
    const signature = req.get("X-Wappcloud-Signature");
    const expected = `sha256=${createHmac("sha256", state.secret).update(req.body as Buffer).digest("hex")}`;
    if (signature !== expected) {
      state.rejected++;
      return void res.status(401).send("invalid signature");
    }
    state.accepted.push({ headers: req.headers, raw: req.body as Buffer, event: JSON.parse((req.body as Buffer).toString("utf8")) });
    res.sendStatus(200);
  });
  const server: Server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    state,
    validations: state.validations,
    accepted: state.accepted,
    url: `${base}/webhook`,
    post: (body: Buffer | string, headers: Record<string, string>) => fetch(`${base}/webhook`, { method: "POST", body, headers }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("webhooks in the wappcloud dialect", () => {
  let app: TestApp;
  let key: string;
  let accountId: string;

  beforeAll(async () => {
    app = await startTestApp({ HOOKRELAY_RETRY_SCHEDULE: "0,50ms", HOOKRELAY_RETRY_JITTER: "0" }, { worker: true });
  });
  beforeEach(async () => {
    ({ apiKey: key, accountId } = await app.newAccount());
    expect((await app.call("POST", "/v1/event-types/import", { key, body: { catalog: "wappcloud" } })).status).toBe(200);
  });
  afterAll(() => app.close());

  /** A receiver and a webhook registered on it with a generated secret, which the receiver is then given. */
  async function registered(answer?: ChallengeAnswer, url = (r: { url: string }) => r.url) {
    const receiver = await startWappcloudReceiver(answer);
    app.onClose(receiver.close);
    const res = await app.call("POST", "/v1/webhooks", {
      key,
      body: { url: url(receiver), dialect: "wappcloud", eventTypes: ["incoming_message", "status_update"] },
    });
    if (res.status === 201) receiver.state.secret = res.body.secret;
    return { receiver, res };
  }
  const emit = (type: string, data: unknown) => app.call("POST", "/v1/events", { key, body: { type, data } });
  const succeeded = (eventId: string) =>
    eventually(async () => (await app.container.db.delivery.findFirst({ where: { eventId, status: "succeeded" } })) ?? null, "the delivery to succeed");

  it("registers once the endpoint answers GET ?challenge= with the same value as JSON, on the URL as registered", async () => {
    const { receiver, res } = await registered(undefined, (r) => `${r.url}?tenant=42&b=%7E`);

    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ dialect: "wappcloud", status: "active", verifiedAt: expect.any(String) });
    expect(res.body.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(receiver.validations).toHaveLength(1);
    const query = receiver.validations[0]!;
    expect([...query.keys()]).toEqual(["tenant", "b", "challenge"]);
    expect(query.get("challenge")).toMatch(/^[0-9a-f]{32}$/);
  });

  it.each<[string, ChallengeAnswer, string, RegExp]>([
    ["JSON under the wrong key", (c, res) => void res.json({ "hub.challenge": c }), "challenge_mismatch", /not JSON \{"challenge":"[0-9a-f]{32}"\}/],
    ["broken JSON (the value unquoted)", (c, res) => void res.type("application/json").send(`{"challenge": ${c}}`), "challenge_mismatch", /not JSON/],
    ["a plain-text echo", (c, res) => void res.send(c), "challenge_mismatch", /answered 200 with body "[0-9a-f]{32}", not JSON/],
    ["the wrong value", (_c, res) => void res.json({ challenge: "abc123" }), "challenge_mismatch", /body "\{\\"challenge\\":\\"abc123\\"\}"/],
    ["a 403 carrying the right JSON", (c, res) => void res.status(403).json({ challenge: c }), "http_status", /answered 403 .*it must answer 2xx/],
    ["a 500", (_c, res) => void res.status(500).send("boom"), "http_status", /answered 500 with body "boom"/],
  ])("refuses an endpoint answering %s, stores nothing and says what it got", async (_label, answer, reason, message) => {
    const { receiver, res } = await registered(answer);

    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: "handshake_failed", details: { reason } });
    expect(res.body.error.message).toMatch(message);
    expect(receiver.validations).toHaveLength(1);
    expect(await app.container.db.webhook.count({ where: { accountId } })).toBe(0);
  });

  it("delivers the envelope with X-Wappcloud-Event and a signature the seed's receiver accepts", async () => {
    const { receiver, res: created } = await registered();
    const data = SEED_CATALOGS.wappcloud[0]!.sample;

    const res = await emit("incoming_message", data);
    await succeeded(res.body.id);

    expect(receiver.accepted).toHaveLength(1);
    const got = receiver.accepted[0]!;
    expect(got.headers["x-wappcloud-event"]).toBe("incoming_message");
    expect(got.headers["x-wappcloud-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(got.event).toEqual({ id: res.body.id, type: "incoming_message", createdAt: res.body.createdAt, data });
    expect(receiver.state.rejected).toBe(0);
    const [attempt] = await app.container.db.deliveryAttempt.findMany({ where: { webhookId: created.body.id } });
    expect(JSON.stringify(attempt!.requestHeaders)).not.toContain(got.headers["x-wappcloud-signature"]);
  });

  it("is rejected by the receiver when the body is tampered with, and accepted when it is not", async () => {
    const { receiver } = await registered();
    await succeeded((await emit("status_update", { status: "read", amount: 10 })).body.id);
    const got = receiver.accepted[0]!;
    const headers = { "content-type": "application/json", "x-wappcloud-signature": String(got.headers["x-wappcloud-signature"]) };

    const tampered = await receiver.post(got.raw.toString("utf8").replace('"amount":10', '"amount":1000'), headers);
    expect(tampered.status).toBe(401);
    expect((await receiver.post(got.raw, headers)).status).toBe(200);
  });

  it("sends non-ASCII text as raw UTF-8 that verifies and parses back to the same text", async () => {
    const { receiver } = await registered();
    const data = { text: { body: "Olá! ¿Dónde está mi pedido? 注文 👋 \u2028 fin" } };

    await succeeded((await emit("incoming_message", data)).body.id);

    const got = receiver.accepted[0]!;
    expect(got.raw.toString("utf8")).toContain("Olá! ¿Dónde está mi pedido? 注文 👋");
    expect(got.event.data).toEqual(data);
    expect(receiver.state.rejected).toBe(0);
  });

  it("sends the catalog sample when the test-event button is pressed, signed so the receiver accepts it", async () => {
    const { receiver, res: created } = await registered();

    const res = await app.call("POST", `/v1/webhooks/${created.body.id}/test`, { key, body: { eventType: "status_update" } });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, statusCode: 200 });
    expect(receiver.accepted).toHaveLength(1);
    expect(receiver.accepted[0]!.headers["x-wappcloud-event"]).toBe("status_update");
    expect(receiver.accepted[0]!.event).toMatchObject({ id: res.body.eventId, type: "status_update", data: SEED_CATALOGS.wappcloud[1]!.sample });
  });

  it("signs with the customer's own secret when one is given, and refuses one too weak", async () => {
    const receiver = await startWappcloudReceiver();
    app.onClose(receiver.close);
    receiver.state.secret = "customer-chosen-wappcloud-key";
    const weak = await app.call("POST", "/v1/webhooks", { key, body: { url: receiver.url, dialect: "wappcloud", verifyToken: "has spaces in it, see", eventTypes: ["incoming_message"] } });
    expect(weak.status).toBe(400);
    const res = await app.call("POST", "/v1/webhooks", {
      key,
      body: { url: receiver.url, dialect: "wappcloud", verifyToken: receiver.state.secret, eventTypes: ["incoming_message"] },
    });
    expect(res.status).toBe(201);
    expect(res.body.secret).toBeUndefined();

    const test = await app.call("POST", `/v1/webhooks/${res.body.id}/test`, { key });
    expect(test.body).toMatchObject({ success: true, statusCode: 200 });
    expect(receiver.state.rejected).toBe(0);
  });
});
