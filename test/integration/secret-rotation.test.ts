import { createHmac, randomBytes } from "node:crypto";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import type { Clock } from "../../src/lib/clock";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { aWebhook } from "../support/factories";
import { expectedHubSignature, type RecordedRequest, type WebhookReceiver } from "../support/receivers";

const TOKEN = "rotation-verify-token-01";
const SEVEN_DAYS = 7 * 24 * 3600;

/** Real time plus an offset the tests move forward to end a grace period without waiting for it. */
class ShiftableClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

const headersOf = (req: RecordedRequest): Record<string, string> =>
  Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v)]));

/** Whether a Standard Webhooks receiver holding only `secret` accepts the request, with both libraries agreeing. */
function standardAccepts(secret: string, req: RecordedRequest): boolean {
  const verdicts = [StandardWebhook, SvixWebhook].map((Lib) => {
    try {
      new Lib(secret).verify(req.body, headersOf(req));
      return true;
    } catch {
      return false;
    }
  });
  expect(verdicts[0]).toBe(verdicts[1]);
  return verdicts[0]!;
}

const hmacHex = (secret: string, body: Buffer) => createHmac("sha256", secret).update(body).digest("hex");
const newWhsec = () => `whsec_${randomBytes(32).toString("base64")}`;

describe("rotating a webhook's secret", () => {
  const clock = new ShiftableClock();
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp({ HOOKRELAY_RETRY_SCHEDULE: "0,50ms", HOOKRELAY_RETRY_JITTER: "0" }, { worker: true, clock });
  });
  beforeEach(async () => {
    clock.offsetMs = 0;
    key = (await app.newAccount()).apiKey;
  });
  afterAll(() => app.close());

  const rotate = (id: string, body: unknown, apiKey = key) => app.call("POST", `/v1/webhooks/${id}/rotate-secret`, { key: apiKey, body });
  const standardWebhook = () => aWebhook(app, key, { dialect: "standard-webhooks", token: null });
  const afterGrace = (seconds: number) => {
    clock.offsetMs += (seconds + 1) * 1_000;
  };

  /** Emits an event and returns the request the receiver got, once the delivery has settled. */
  async function deliveredTo(receiver: WebhookReceiver): Promise<RecordedRequest> {
    const before = receiver.deliveries.length;
    const res = await app.call("POST", "/v1/events", { key, body: { type: "message.created", data: { n: before } } });
    expect(res.status).toBe(202);
    await eventually(async () => {
      const d = await app.container.db.delivery.findFirst({ where: { eventId: res.body.id } });
      return d?.status === "succeeded";
    }, "the delivery to settle");
    expect(receiver.deliveries).toHaveLength(before + 1);
    return receiver.deliveries[before]!;
  }

  describe("the answer", () => {
    it("carries the new secret once and until when the old one works", async () => {
      const { id, secret: old } = await standardWebhook();
      const at = clock.now().getTime();
      const res = await rotate(id, { graceSeconds: 3600 });
      expect(res.status).toBe(200);
      expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(res.body.secret).not.toBe(old);
      const expiresAt = new Date(res.body.previousSecretExpiresAt).getTime();
      expect(expiresAt - at).toBeGreaterThanOrEqual(3600_000);
      expect(expiresAt - at).toBeLessThan(3600_000 + 5_000);
      expect(res.body.webhook).toMatchObject({ id, previousSecretExpiresAt: res.body.previousSecretExpiresAt, verifyTokenHint: `…${res.body.secret.slice(-4)}` });

      const got = await app.call("GET", `/v1/webhooks/${id}`, { key });
      expect(got.body.previousSecretExpiresAt).toBe(res.body.previousSecretExpiresAt);
      expect(JSON.stringify(got.body)).not.toContain(res.body.secret.slice(6, 30));
    });

    it("defaults the grace period to 24 hours", async () => {
      const { id } = await standardWebhook();
      const at = clock.now().getTime();
      const res = await rotate(id, {});
      expect(res.status).toBe(200);
      expect(new Date(res.body.previousSecretExpiresAt).getTime() - at).toBeGreaterThanOrEqual(24 * 3600_000);
      expect(new Date(res.body.previousSecretExpiresAt).getTime() - at).toBeLessThan(24 * 3600_000 + 5_000);
    });

    it("takes the customer's own secret, checked by the dialect", async () => {
      const { id } = await standardWebhook();
      const mine = newWhsec();
      const res = await rotate(id, { secret: mine, graceSeconds: 60 });
      expect(res.status).toBe(200);
      expect(res.body.secret).toBe(mine);

      const bad = await rotate(id, { secret: "not-a-standard-secret-at-all" });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.issues).toMatchObject([{ field: "body.secret", message: expect.stringMatching(/whsec_/) }]);
    });
  });

  describe("standard-webhooks, which carries several signatures", () => {
    it("signs with both secrets during the grace period, so receivers holding either verify; only the new one after", async () => {
      const { receiver, id, secret: old } = await standardWebhook();
      const { body: rotated } = await rotate(id, { graceSeconds: 60 });

      const during = await deliveredTo(receiver);
      expect(headersOf(during)["webhook-signature"]!.split(" ")).toHaveLength(2);
      expect(standardAccepts(old, during)).toBe(true);
      expect(standardAccepts(rotated.secret, during)).toBe(true);
      expect(standardAccepts(newWhsec(), during)).toBe(false);

      const test = await app.call("POST", `/v1/webhooks/${id}/test`, { key });
      expect(test.body.success).toBe(true);
      const testDuring = receiver.deliveries.at(-1)!;
      expect(standardAccepts(old, testDuring)).toBe(true);
      expect(standardAccepts(rotated.secret, testDuring)).toBe(true);

      afterGrace(60);
      const after = await deliveredTo(receiver);
      expect(headersOf(after)["webhook-signature"]!.split(" ")).toHaveLength(1);
      expect(standardAccepts(rotated.secret, after)).toBe(true);
      expect(standardAccepts(old, after)).toBe(false);
      expect((await app.call("GET", `/v1/webhooks/${id}`, { key })).body.previousSecretExpiresAt).toBeNull();
    });

    it("keeps only the secret it replaces when rotated again within the grace period", async () => {
      const { receiver, id, secret: first } = await standardWebhook();
      const { body: second } = await rotate(id, { graceSeconds: 60 });
      const { body: third } = await rotate(id, { graceSeconds: 60 });
      const got = await deliveredTo(receiver);
      expect(standardAccepts(third.secret, got)).toBe(true);
      expect(standardAccepts(second.secret, got)).toBe(true);
      expect(standardAccepts(first, got)).toBe(false);
    });

    it("switches at once with graceSeconds 0", async () => {
      const { receiver, id, secret: old } = await standardWebhook();
      const res = await rotate(id, { graceSeconds: 0 });
      expect(res.status).toBe(200);
      expect(res.body.previousSecretExpiresAt).toBeNull();
      expect(res.body.webhook.previousSecretExpiresAt).toBeNull();
      const got = await deliveredTo(receiver);
      expect(headersOf(got)["webhook-signature"]!.split(" ")).toHaveLength(1);
      expect(standardAccepts(res.body.secret, got)).toBe(true);
      expect(standardAccepts(old, got)).toBe(false);
    });
  });

  describe("single-signature dialects", () => {
    it("custom: the old secret signs until the grace period ends, the new one after", async () => {
      const { receiver, id, secret: old } = await aWebhook(app, key, { dialect: "custom", dialectOptions: { signatureHeader: "x-acme-signature" }, token: null });
      const { body: rotated } = await rotate(id, { graceSeconds: 60 });
      expect(rotated.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

      const during = await deliveredTo(receiver);
      expect(during.headers["x-acme-signature"]).toBe(hmacHex(old, during.body));
      expect(during.headers["x-acme-signature"]).not.toBe(hmacHex(rotated.secret, during.body));

      afterGrace(60);
      const after = await deliveredTo(receiver);
      expect(after.headers["x-acme-signature"]).toBe(hmacHex(rotated.secret, after.body));
      expect(after.headers["x-acme-signature"]).not.toBe(hmacHex(old, after.body));
    });

    it("meta: takes the customer's new verify token; the old one signs until the grace period ends", async () => {
      const { receiver, id } = await aWebhook(app, key, { token: TOKEN });
      const next = "rotation-verify-token-02";
      const res = await rotate(id, { secret: next, graceSeconds: 60 });
      expect(res.status).toBe(200);
      expect(res.body.secret).toBe(next);
      // No handshake on rotation: the URL has not changed.
      expect(receiver.requests.filter((r) => r.method === "GET")).toHaveLength(1);

      const during = await deliveredTo(receiver);
      expect(during.headers["x-hub-signature-256"]).toBe(expectedHubSignature(during.body, TOKEN));

      afterGrace(60);
      const after = await deliveredTo(receiver);
      expect(after.headers["x-hub-signature-256"]).toBe(expectedHubSignature(after.body, next));
    });

    it("meta: refuses a rotation without a secret, since meta never generates one", async () => {
      const { receiver, id } = await aWebhook(app, key, { token: TOKEN });
      const res = await rotate(id, { graceSeconds: 60 });
      expect(res.status).toBe(400);
      expect(res.body.error.details.issues).toEqual([{ field: "body.secret", message: "required for the meta dialect, whose handshake uses it", code: "custom" }]);
      const got = await deliveredTo(receiver);
      expect(got.headers["x-hub-signature-256"]).toBe(expectedHubSignature(got.body, TOKEN));
      expect((await app.call("GET", `/v1/webhooks/${id}`, { key })).body.previousSecretExpiresAt).toBeNull();
    });
  });

  describe("refusals", () => {
    it.each([
      ["negative", -1],
      ["more than 7 days", SEVEN_DAYS + 1],
      ["fractional", 1.5],
      ["not a number", "soon"],
    ])("refuses a %s graceSeconds, naming body.graceSeconds", async (_what, graceSeconds) => {
      const { receiver, id, secret } = await standardWebhook();
      const res = await rotate(id, { graceSeconds });
      expect(res.status).toBe(400);
      expect(res.body.error.details.issues).toMatchObject([{ field: "body.graceSeconds" }]);
      expect(standardAccepts(secret, await deliveredTo(receiver))).toBe(true);
    });

    it("accepts exactly 7 days", async () => {
      const { id } = await standardWebhook();
      const at = clock.now().getTime();
      const res = await rotate(id, { graceSeconds: SEVEN_DAYS });
      expect(res.status).toBe(200);
      expect(new Date(res.body.previousSecretExpiresAt).getTime() - at).toBeGreaterThanOrEqual(SEVEN_DAYS * 1000);
    });

    it("answers 404 for another account's webhook and leaves its secret alone", async () => {
      const { receiver, id, secret } = await standardWebhook();
      const stranger = (await app.newAccount("Stranger")).apiKey;
      const res = await rotate(id, { graceSeconds: 0 }, stranger);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("not_found");
      const got = await deliveredTo(receiver);
      expect(headersOf(got)["webhook-signature"]!.split(" ")).toHaveLength(1);
      expect(standardAccepts(secret, got)).toBe(true);
    });

    it("answers 404 for a webhook that does not exist", async () => {
      const res = await rotate("wh_01JD2Z8Q3M4N5P6R7S8T9V0W1X", {});
      expect(res.status).toBe(404);
    });
  });
});

describe("rotating the secret of a dialect whose slack handshake needs it", () => {
  let app: TestApp;
  let key: string;

  // The slack handshake belongs to another part of the work; what matters here is only that
  // its dialects cannot generate a secret, so the ownership check is stubbed.
  beforeAll(async () => {
    app = await startTestApp({}, { verifyOwnership: async () => ({ verified: true, elapsedMs: 0 }) });
    key = (await app.newAccount()).apiKey;
  });
  afterAll(() => app.close());

  it("refuses a rotation without a secret and accepts one with it", async () => {
    const { id } = await aWebhook(app, key, { dialect: "custom", dialectOptions: { signatureHeader: "x-sig", handshake: "slack" }, token: TOKEN });
    const refused = await app.call("POST", `/v1/webhooks/${id}/rotate-secret`, { key, body: { graceSeconds: 60 } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.issues).toMatchObject([{ field: "body.secret", message: expect.stringMatching(/required/) }]);

    const accepted = await app.call("POST", `/v1/webhooks/${id}/rotate-secret`, { key, body: { secret: "rotation-verify-token-03", graceSeconds: 60 } });
    expect(accepted.status).toBe(200);
    expect(accepted.body.secret).toBe("rotation-verify-token-03");
  });
});

describe("setting a verify token directly during a rotation", () => {
  it("ends the grace period: the token just set signs from then on", async () => {
    const app = await startTestApp({ HOOKRELAY_RETRY_SCHEDULE: "0" }, { worker: true });
    try {
      const key = (await app.newAccount()).apiKey;
      const { receiver, id } = await aWebhook(app, key, { token: "first-meta-token-0001" });
      const rotated = await app.call("POST", `/v1/webhooks/${id}/rotate-secret`, { key, body: { secret: "second-meta-token-002", graceSeconds: 3600 } });
      expect(rotated.body.previousSecretExpiresAt).not.toBeNull();
      // The factory's receiver answers the handshake for its own token only; set the third token on a fresh one.
      const next = await aWebhook(app, key, { token: "third-meta-token-0003" });
      const patched = await app.call("PATCH", `/v1/webhooks/${id}`, { key, body: { url: next.receiver.url, verifyToken: "third-meta-token-0003" } });
      expect(patched.status).toBe(200);
      expect(patched.body.previousSecretExpiresAt).toBeNull();
      await app.call("DELETE", `/v1/webhooks/${next.id}`, { key });
      await app.call("POST", "/v1/events", { key, body: { type: "message.created", data: { n: 1 } } });
      await eventually(async () => next.receiver.deliveries.length === 1, "the delivery");
      const got = next.receiver.deliveries[0]!;
      expect(got.headers["x-hub-signature-256"]).toBe(expectedHubSignature(got.body, "third-meta-token-0003"));
      expect(receiver.deliveries).toHaveLength(0);
    } finally {
      await app.close();
    }
  });
});
