import { createHmac, timingSafeEqual } from "node:crypto";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { aWebhook } from "../support/factories";
import type { RecordedRequest, Respond } from "../support/receivers";

const TOKEN = "custom-dialect-token-0001";

interface ReceiverConfig {
  signatureHeader: string;
  algorithm?: "sha256" | "sha512";
  encoding?: "hex" | "base64";
  prefix?: string;
  timestampHeader?: string;
}

/**
 * A receiver written from the options alone, as a customer would: recompute the HMAC over the
 * raw bytes (prefixed with `<timestamp>.` when a timestamp header is configured), compare in
 * constant time, and refuse timestamps more than five minutes off.
 */
function verifiesAs(c: ReceiverConfig, secret: string, req: Pick<RecordedRequest, "body" | "headers">): boolean {
  const given = req.headers[c.signatureHeader];
  if (typeof given !== "string") return false;
  let signed = req.body;
  if (c.timestampHeader) {
    const timestamp = req.headers[c.timestampHeader];
    if (typeof timestamp !== "string" || !/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
    signed = Buffer.concat([Buffer.from(`${timestamp}.`), req.body]);
  }
  const expected = Buffer.from((c.prefix ?? "") + createHmac(c.algorithm ?? "sha256", secret).update(signed).digest(c.encoding ?? "hex"));
  return expected.length === Buffer.byteLength(given) && timingSafeEqual(expected, Buffer.from(given));
}

const acceptingOnlyVerified = (c: ReceiverConfig, secret: string): Respond => (req, res) => {
  const ok = verifiesAs(c, secret, req);
  res.writeHead(ok ? 200 : 401, { "content-type": "text/plain" }).end(ok ? "verified" : "bad signature");
};

/** Option sets and the receiver each implies. */
const configurations: [string, Record<string, unknown>, ReceiverConfig][] = [
  ["the defaults (sha256, hex, raw body)", { signatureHeader: "X-Acme-Signature" }, { signatureHeader: "x-acme-signature" }],
  [
    "sha512, base64 and a prefix",
    { signatureHeader: "x-oneroute-signature", algorithm: "sha512", encoding: "base64", prefix: "sha512=" },
    { signatureHeader: "x-oneroute-signature", algorithm: "sha512", encoding: "base64", prefix: "sha512=" },
  ],
  [
    "a signed timestamp in the default header",
    { signatureHeader: "x-sig", signedContent: "timestamp.body", prefix: "v1=" },
    { signatureHeader: "x-sig", prefix: "v1=", timestampHeader: "x-webhook-timestamp" },
  ],
  [
    "a signed timestamp in a header of its own, sha512 hex",
    { signatureHeader: "x-sig", algorithm: "sha512", signedContent: "timestamp.body", timestampHeader: "X-Sig-Timestamp" },
    { signatureHeader: "x-sig", algorithm: "sha512", timestampHeader: "x-sig-timestamp" },
  ],
];

describe("the custom dialect", () => {
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp({ HOOKRELAY_RETRY_SCHEDULE: "0,50ms", HOOKRELAY_RETRY_JITTER: "0" }, { worker: true });
  });
  /** An account per test, so each event reaches only that test's webhook. */
  beforeEach(async () => {
    key = (await app.newAccount()).apiKey;
  });
  afterAll(() => app.close());

  const emit = (data: unknown) => app.call("POST", "/v1/events", { key, body: { type: "message.created", data } });
  const deliveryOf = (eventId: string) => app.container.db.delivery.findFirstOrThrow({ where: { eventId } });
  const register = (body: Record<string, unknown>) =>
    app.call("POST", "/v1/webhooks", { key, body: { url: "http://127.0.0.1:9/never", eventTypes: ["message.created"], dialect: "custom", ...body } });

  describe("registration", () => {
    it('with handshake "meta" runs the hub.challenge handshake with the customer\'s secret', async () => {
      const { receiver, id, secret } = await aWebhook(app, key, { dialect: "custom", dialectOptions: { signatureHeader: "x-sig", handshake: "meta" }, token: TOKEN });
      expect(secret).toBe(TOKEN);
      expect(receiver.requests).toHaveLength(1);
      expect(receiver.requests[0]!.method).toBe("GET");
      expect(receiver.requests[0]!.url.searchParams.get("hub.verify_token")).toBe(TOKEN);
      const got = await app.call("GET", `/v1/webhooks/${id}`, { key });
      expect(got.body.dialectOptions).toEqual({ signatureHeader: "x-sig", algorithm: "sha256", encoding: "hex", prefix: "", signedContent: "body", handshake: "meta" });
    });

    it('with handshake "meta" fails when the endpoint does not echo the challenge', async () => {
      const { receiver } = await aWebhook(app, key, { dialect: "custom", dialectOptions: { signatureHeader: "x-sig" }, token: null });
      // This receiver echoes only for the empty token it was started with.
      const res = await register({ url: receiver.url, verifyToken: TOKEN, dialectOptions: { signatureHeader: "x-sig", handshake: "meta" } });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe("handshake_failed");
      expect(receiver.requests.map((r) => r.method)).toEqual(["GET"]);
    });

    it('with handshake "meta" requires the customer\'s secret, which the handshake sends', async () => {
      const res = await register({ dialectOptions: { signatureHeader: "x-sig", handshake: "meta" } });
      expect(res.status).toBe(400);
      expect(res.body.error.details.issues).toEqual([{ field: "body.verifyToken", message: expect.stringContaining("required for the custom dialect"), code: "custom" }]);
    });

    it('with handshake "none" (the default) makes no request and generates the secret', async () => {
      const { receiver, secret } = await aWebhook(app, key, { dialect: "custom", dialectOptions: { signatureHeader: "x-sig" }, token: null });
      expect(receiver.requests).toHaveLength(0);
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it("checks a customer's secret like a verify token", async () => {
      const res = await register({ verifyToken: "short-secret", dialectOptions: { signatureHeader: "x-sig" } });
      expect(res.status).toBe(400);
      expect(res.body.error.details.issues).toMatchObject([{ field: "body.verifyToken", message: expect.stringMatching(/at least 16/) }]);
    });

    it.each([
      [{ signatureHeader: "x sig" }, "body.dialectOptions.signatureHeader", /valid HTTP header name/],
      [{ signatureHeader: "Content-Type" }, "body.dialectOptions.signatureHeader", /set by hookrelay/],
      [{ signatureHeader: "x-webhook-signature" }, "body.dialectOptions.signatureHeader", /hookrelay's own/],
      [{ signatureHeader: "x-sig", algorithm: "sha1" }, "body.dialectOptions.algorithm", /must be one of "sha256", "sha512"/],
      [{ signatureHeader: "x-sig", encoding: "binary" }, "body.dialectOptions.encoding", /must be one of "hex", "base64"/],
      [{ signatureHeader: "x-sig", prefix: "a b" }, "body.dialectOptions.prefix", /printable ASCII/],
      [{ signatureHeader: "x-sig", handshake: "telegram" }, "body.dialectOptions.handshake", /must be one of/],
      [{ signatureHeader: "x-sig", timestampHeader: "x-ts" }, "body.dialectOptions.timestampHeader", /only used with signedContent/],
      [{ signatureHeader: "x-sig", colour: "blue" }, "body.dialectOptions", /unknown option: colour/],
      [undefined, "body.dialectOptions", /needs options/],
    ])("refuses options %j with a 400 naming %s, storing nothing", async (dialectOptions, field, message) => {
      const res = await register({ verifyToken: TOKEN, ...(dialectOptions ? { dialectOptions } : {}) });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
      expect(res.body.error.details.issues).toEqual([{ field, message: expect.stringMatching(message), code: expect.any(String) }]);
      expect((await app.call("GET", "/v1/webhooks", { key })).body.data).toEqual([]);
    });
  });

  describe.each(configurations)("deliveries signed with %s", (_name, dialectOptions, receiverConfig) => {
    const webhook = () => aWebhook(app, key, { dialect: "custom", dialectOptions, token: null });
    const nonAscii = { text: "Grüße aus Köln — ¿qué tal? 你好 👋", name: "Zoë" };

    it("are accepted by a receiver written from the options, non-ASCII text included", async () => {
      const { receiver, secret } = await webhook();
      receiver.respond = acceptingOnlyVerified(receiverConfig, secret);
      const res = await emit(nonAscii);
      await eventually(async () => (await deliveryOf(res.body.id)).status === "succeeded", "the delivery to be accepted");
      expect(receiver.deliveries).toHaveLength(1);
      const got = receiver.deliveries[0]!;
      expect(JSON.parse(got.body.toString("utf8"))).toEqual({ id: res.body.id, type: "message.created", createdAt: res.body.createdAt, data: nonAscii });
      expect(got.headers["content-type"]).toBe("application/json");
    });

    it("are rejected by that receiver once the body is tampered with, or under another secret", async () => {
      const { receiver, secret } = await webhook();
      await emit({ amount: 10 });
      await eventually(async () => receiver.deliveries.length === 1, "the delivery");
      const got = receiver.deliveries[0]!;
      const tampered = Buffer.from(got.body.toString("utf8").replace('"amount":10', '"amount":99'));
      expect(tampered.equals(got.body)).toBe(false);
      expect(verifiesAs(receiverConfig, secret, got)).toBe(true);
      expect(verifiesAs(receiverConfig, secret, { ...got, body: tampered })).toBe(false);
      expect(verifiesAs(receiverConfig, `${secret}x`, got)).toBe(false);
    });

    it("from the test-event button verify too", async () => {
      const { receiver, id, secret } = await webhook();
      receiver.respond = acceptingOnlyVerified(receiverConfig, secret);
      const res = await app.call("POST", `/v1/webhooks/${id}/test`, { key, body: { eventType: "message.created" } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ success: true, statusCode: 200, responseBody: "verified" });
    });
  });

  it("signs a timestamp that a receiver can check against its clock", async () => {
    const { receiver, secret } = await aWebhook(app, key, {
      dialect: "custom",
      dialectOptions: { signatureHeader: "x-sig", signedContent: "timestamp.body" },
      token: null,
    });
    const before = Math.floor(Date.now() / 1000);
    await emit({ n: 1 });
    await eventually(async () => receiver.deliveries.length === 1, "the delivery");
    const got = receiver.deliveries[0]!;
    const timestamp = Number(got.headers["x-webhook-timestamp"]);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(Date.now() / 1000);
    // The same signature over the body alone would not verify: the timestamp is part of what is signed.
    expect(verifiesAs({ signatureHeader: "x-sig" }, secret, got)).toBe(false);
  });

  it("masks the signature header in the attempt log", async () => {
    const { receiver, id } = await aWebhook(app, key, { dialect: "custom", dialectOptions: { signatureHeader: "X-Acme-Signature" }, token: null });
    await emit({ n: 1 });
    await eventually(async () => receiver.deliveries.length === 1, "the delivery");
    const signature = receiver.deliveries[0]!.headers["x-acme-signature"] as string;
    const log = await eventually(async () => {
      const r = await app.call("GET", `/v1/webhooks/${id}/deliveries`, { key });
      return r.body.data?.length === 1 && r.body;
    }, "the attempt in the log");
    const logged = log.data[0].requestHeaders["x-acme-signature"];
    expect(logged).toEqual(expect.any(String));
    expect(logged).not.toBe(signature);
    expect(JSON.stringify(log)).not.toContain(signature.slice(12));
  });
});
