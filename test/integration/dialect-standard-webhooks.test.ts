import { randomBytes } from "node:crypto";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { aWebhook } from "../support/factories";
import type { RecordedRequest, Respond } from "../support/receivers";

type Verify = (secret: string, body: Buffer, headers: Record<string, string>) => unknown;

/** The two libraries receivers actually use, each given the raw body and the headers as received. */
const verifiers: [string, Verify][] = [
  ["the standardwebhooks library", (secret, body, headers) => new StandardWebhook(secret).verify(body, headers)],
  ["svix's library", (secret, body, headers) => new SvixWebhook(secret).verify(body, headers)],
];

const headersOf = (req: RecordedRequest): Record<string, string> =>
  Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v)]));

/** A receiver that accepts only what verifies with `secret`, as a customer's endpoint would. */
const acceptingOnlyVerified = (verify: Verify, secret: string): Respond => (req, res) => {
  try {
    verify(secret, req.body, headersOf(req));
    res.writeHead(200, { "content-type": "text/plain" }).end("verified");
  } catch (err) {
    res.writeHead(401, { "content-type": "text/plain" }).end(`rejected: ${(err as Error).message}`);
  }
};

describe("the standard-webhooks dialect", () => {
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp({ HOOKRELAY_RETRY_SCHEDULE: "0,50ms,50ms", HOOKRELAY_RETRY_JITTER: "0" }, { worker: true });
  });
  /** An account per test, so each event reaches only that test's webhook. */
  beforeEach(async () => {
    key = (await app.newAccount()).apiKey;
  });
  afterAll(() => app.close());

  const standardWebhook = () => aWebhook(app, key, { dialect: "standard-webhooks", token: null });
  const emit = (data: unknown) => app.call("POST", "/v1/events", { key, body: { type: "message.created", data } });
  const deliveryOf = (eventId: string) => app.container.db.delivery.findFirstOrThrow({ where: { eventId } });

  describe("registration", () => {
    it("makes no request to the endpoint and returns a generated whsec_ secret once", async () => {
      const { receiver, id, secret } = await standardWebhook();
      expect(receiver.requests).toHaveLength(0);
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      const got = await app.call("GET", `/v1/webhooks/${id}`, { key });
      expect(got.body).toMatchObject({ dialect: "standard-webhooks", dialectOptions: null, verifyTokenHint: `…${secret.slice(-4)}` });
      expect(JSON.stringify(got.body)).not.toContain(secret.slice(6, 30));
    });

    it("takes a customer's whsec_ secret and does not echo it", async () => {
      const secret = `whsec_${randomBytes(24).toString("base64")}`;
      const { receiver } = await aWebhook(app, key, { dialect: "standard-webhooks", token: null });
      const res = await app.call("POST", "/v1/webhooks", {
        key,
        body: { url: receiver.url, dialect: "standard-webhooks", verifyToken: secret, eventTypes: ["message.created"] },
      });
      expect(res.status).toBe(201);
      expect(res.body.secret).toBeUndefined();
      expect(receiver.requests).toHaveLength(0);
    });

    it.each([
      ["without the whsec_ prefix", randomBytes(32).toString("base64"), /must start with "whsec_"/],
      ["with a key shorter than 24 bytes", `whsec_${randomBytes(16).toString("base64")}`, /24 to 64 bytes/],
      ["that is not base64", `whsec_${"not*base64!".repeat(4)}`, /standard base64/],
    ])("refuses a secret %s, naming body.verifyToken", async (_what, secret, message) => {
      const res = await app.call("POST", "/v1/webhooks", {
        key,
        body: { url: "http://127.0.0.1:9/never", dialect: "standard-webhooks", verifyToken: secret, eventTypes: ["message.created"] },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.details.issues).toEqual([{ field: "body.verifyToken", message: expect.stringMatching(message), code: "custom" }]);
    });

    it("refuses dialect options, which only the custom dialect takes", async () => {
      const res = await app.call("POST", "/v1/webhooks", {
        key,
        body: { url: "http://127.0.0.1:9/never", dialect: "standard-webhooks", dialectOptions: { signatureHeader: "x-sig" }, eventTypes: ["message.created"] },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.details.issues).toMatchObject([{ field: "body.dialectOptions" }]);
    });
  });

  describe.each(verifiers)("deliveries verified with %s", (_name, verify) => {
    const nonAscii = { text: "Grüße aus Köln — ¿qué tal? 你好 👋", name: "Zoë" };

    it("are accepted by a receiver holding the secret, non-ASCII text included", async () => {
      const { receiver, secret } = await standardWebhook();
      receiver.respond = acceptingOnlyVerified(verify, secret);
      const res = await emit(nonAscii);
      await eventually(async () => (await deliveryOf(res.body.id)).status === "succeeded", "the delivery to be accepted");
      const got = receiver.deliveries[0]!;
      expect(receiver.deliveries).toHaveLength(1);
      expect(verify(secret, got.body, headersOf(got))).toMatchObject({ id: res.body.id, type: "message.created", data: nonAscii });
      expect(got.body.toString("utf8")).toContain("你好 👋");
    });

    it("are rejected once the body is tampered with, or with another secret", async () => {
      const { receiver, secret } = await standardWebhook();
      const res = await emit({ amount: 10 });
      await eventually(async () => receiver.deliveries.length === 1, "the delivery");
      const got = receiver.deliveries[0]!;
      const tampered = Buffer.from(got.body.toString("utf8").replace('"amount":10', '"amount":99'));
      expect(tampered.equals(got.body)).toBe(false);
      expect(() => verify(secret, got.body, headersOf(got))).not.toThrow();
      expect(() => verify(secret, tampered, headersOf(got))).toThrow(/No matching signature/);
      expect(() => verify(`whsec_${randomBytes(32).toString("base64")}`, got.body, headersOf(got))).toThrow(/No matching signature/);
      expect(res.status).toBe(202);
    });

    it("are rejected when replayed with a timestamp from more than five minutes ago", async () => {
      const { receiver, secret } = await standardWebhook();
      await emit({ n: 1 });
      await eventually(async () => receiver.deliveries.length === 1, "the delivery");
      const got = receiver.deliveries[0]!;
      const stale = { ...headersOf(got), "webhook-timestamp": String(Math.floor(Date.now() / 1000) - 301) };
      expect(() => verify(secret, got.body, stale)).toThrow(/too old|No matching signature/);
    });

    it("from the test-event button verify too", async () => {
      const { receiver, id, secret } = await standardWebhook();
      receiver.respond = acceptingOnlyVerified(verify, secret);
      const res = await app.call("POST", `/v1/webhooks/${id}/test`, { key });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ success: true, statusCode: 200, responseBody: "verified" });
      const got = receiver.deliveries[0]!;
      expect(headersOf(got)["webhook-id"]).toBe(res.body.deliveryId);
      expect(verify(secret, got.body, headersOf(got))).toMatchObject({ id: res.body.eventId, type: "message.created" });
    });
  });

  it("sends the webhook-* headers: id = the delivery id, timestamp = unix seconds at send time", async () => {
    const { receiver } = await standardWebhook();
    const before = Math.floor(Date.now() / 1000);
    const res = await emit({ n: 1 });
    await eventually(async () => receiver.deliveries.length === 1, "the delivery");
    const headers = headersOf(receiver.deliveries[0]!);
    const delivery = await deliveryOf(res.body.id);
    expect(headers["webhook-id"]).toBe(delivery.id);
    expect(headers["x-webhook-id"]).toBe(delivery.id);
    expect(Number(headers["webhook-timestamp"])).toBeGreaterThanOrEqual(before);
    expect(Number(headers["webhook-timestamp"])).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(headers["content-type"]).toBe("application/json");
    expect(headers).not.toHaveProperty("svix-signature");
  });

  it("keeps webhook-id across retries, so a receiver can drop duplicates, and signs each attempt afresh", async () => {
    const { receiver, secret } = await standardWebhook();
    let answered = 0;
    receiver.respond = (_req, res) => res.writeHead(answered++ === 0 ? 503 : 200).end();
    const res = await emit({ n: 2 });
    await eventually(async () => (await deliveryOf(res.body.id)).status === "succeeded", "the retried delivery to succeed");
    const [first, second] = receiver.deliveries.map(headersOf);
    expect(receiver.deliveries).toHaveLength(2);
    expect(second!["webhook-id"]).toBe(first!["webhook-id"]);
    expect(second!["x-webhook-attempt"]).toBe("2");
    expect(receiver.deliveries[1]!.body.equals(receiver.deliveries[0]!.body)).toBe(true);
    for (const got of receiver.deliveries) expect(() => new StandardWebhook(secret).verify(got.body, headersOf(got))).not.toThrow();
  });

  it("masks the signature in the attempt log", async () => {
    const { receiver, id } = await standardWebhook();
    await emit({ n: 3 });
    await eventually(async () => receiver.deliveries.length === 1, "the delivery");
    const signature = headersOf(receiver.deliveries[0]!)["webhook-signature"]!;
    const log = await eventually(async () => {
      const r = await app.call("GET", `/v1/webhooks/${id}/deliveries`, { key });
      return r.body.data?.length === 1 && r.body;
    }, "the attempt in the log");
    expect(JSON.stringify(log)).not.toContain(signature.slice(3));
    expect(JSON.stringify(log)).toContain(receiver.deliveries[0]!.headers["webhook-id"]);
  });
});
