import { createHmac, timingSafeEqual } from "node:crypto";
import XHubSignature from "x-hub-signature";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { aWebhook } from "../support/factories";
import type { RecordedRequest } from "../support/receivers";

const TOKEN = "meta-dialect-token-0001";

/** The seed's own sample (001, Orki "HMAC-SHA256 Signature Verification"), over the raw body. */
function orkiSampleVerifies(payload: Buffer, signature: string, secret: string): boolean {
  const expected = "sha256=" + createHmac("sha256", secret).update(payload).digest("hex");
  return signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}

/**
 * A receiver written from Meta's platform docs: the signature is computed over the payload
 * with non-ASCII characters escaped as lowercase \uXXXX, so such receivers re-escape the body.
 */
function metaDocsVerifies(payload: Buffer, signature: string, secret: string): boolean {
  const escaped = payload.toString("utf8").replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return signature === "sha256=" + createHmac("sha256", secret).update(escaped).digest("hex");
}

const verifiers: [string, (payload: Buffer, signature: string, secret: string) => boolean][] = [
  ["the x-hub-signature library", (payload, signature, secret) => new XHubSignature("sha256", secret).verify(signature, payload)],
  ["the Orki sample", orkiSampleVerifies],
  ["a receiver following Meta's docs", metaDocsVerifies],
];

describe("the meta dialect (default)", () => {
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp({ HOOKRELAY_RETRY_SCHEDULE: "0" }, { worker: true });
    key = (await app.newAccount()).apiKey;
  });
  afterAll(() => app.close());

  async function deliveredTo(data: Record<string, unknown>): Promise<RecordedRequest> {
    const { receiver } = await aWebhook(app, key, { token: TOKEN });
    await app.call("POST", "/v1/events", { key, body: { type: "message.created", data } });
    await eventually(async () => receiver.deliveries.length === 1, "the delivery");
    return receiver.deliveries[0]!;
  }

  const nonAscii = { text: "Grüße aus Köln — ¿qué tal? 你好 👋", name: "Zoë" };

  it.each(verifiers)("produces deliveries that %s accepts, non-ASCII text included", async (_name, verifies) => {
    const got = await deliveredTo(nonAscii);
    const signature = got.headers["x-hub-signature-256"] as string;
    expect(verifies(got.body, signature, TOKEN)).toBe(true);
    expect(JSON.parse(got.body.toString("utf8")).data).toEqual(nonAscii);
  });

  it.each(verifiers)("produces signatures that %s rejects once the body is tampered with", async (_name, verifies) => {
    const got = await deliveredTo({ amount: 10 });
    const tampered = Buffer.from(got.body.toString("utf8").replace('"amount":10', '"amount":99'));
    expect(tampered.equals(got.body)).toBe(false);
    expect(verifies(tampered, got.headers["x-hub-signature-256"] as string, TOKEN)).toBe(false);
    expect(verifies(got.body, got.headers["x-hub-signature-256"] as string, "another-token-000000")).toBe(false);
  });

  it("sends an ASCII-only body, as Meta does", async () => {
    const got = await deliveredTo(nonAscii);
    expect([...got.body].every((b) => b < 0x80)).toBe(true);
  });

  it("signs test events the same way", async () => {
    const { receiver, id } = await aWebhook(app, key, { token: TOKEN });
    const res = await app.call("POST", `/v1/webhooks/${id}/test`, { key, body: { eventType: "meta.message" } });
    expect(res.body.success).toBe(true);
    const got = receiver.deliveries[0]!;
    expect(new XHubSignature("sha256", TOKEN).verify(got.headers["x-hub-signature-256"] as string, got.body)).toBe(true);
    expect(JSON.parse(got.body.toString()).data.object).toBe("whatsapp_business_account");
  });

  it("requires the customer's verify token, since the handshake checks it", async () => {
    const res = await app.call("POST", "/v1/webhooks", { key, body: { url: "https://example.com/h", eventTypes: ["message.created"] } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues).toEqual([
      { field: "body.verifyToken", message: "required for the meta dialect, whose handshake uses it", code: "custom" },
    ]);
  });

  it("rotates to a token the customer gives, and refuses to invent one", async () => {
    const { id } = await aWebhook(app, key, { token: TOKEN });
    const refused = await app.call("POST", `/v1/webhooks/${id}/rotate-secret`, { key, body: {} });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe("body.secret: required for the meta dialect, whose handshake uses it");
    const rotated = await app.call("POST", `/v1/webhooks/${id}/rotate-secret`, { key, body: { secret: "next-meta-token-0002", graceSeconds: 0 } });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ secret: "next-meta-token-0002", previousSecretExpiresAt: null, webhook: { verifyTokenHint: "…0002" } });
  });
});
