import { createHmac, randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, request as httpRequest, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express, { type ErrorRequestHandler } from "express";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { receiveRequest, verifyRequest, webhookHandler, webhookMiddleware, type ReceivedWebhook } from "../../packages/client/src/receiver";

/** The middleware and handlers on real servers on port 0, fed by fetch; signatures made by hand or by the dialect's library. */
const SECRET = "factory-verify-token-0001";
const BODY = '{"id":"evt_1","type":"message.created","createdAt":"2026-06-01T12:00:00.000Z","data":{"text":"Grüße 👋"}}';
const metaHeaders = (body: string, secret = SECRET) => ({
  "content-type": "application/json",
  "x-webhook-id": "dlv_1",
  "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
});

const servers: Server[] = [];
async function serve(listener: RequestListener | express.Express): Promise<string> {
  const server = createServer(listener as RequestListener);
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
afterAll(async () => {
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

/** An express app: `before` middleware, then the webhook middleware, then a handler that echoes req.webhook. */
async function expressApp(before: express.RequestHandler[] = [], options: Partial<Parameters<typeof webhookMiddleware>[0]> = {}) {
  const app = express();
  const errors: string[] = [];
  app.post("/hooks", ...before, webhookMiddleware({ dialect: "meta", secret: SECRET, ...options }), (req, res) => {
    const { rawBody, ...webhook } = (req as { webhook?: ReceivedWebhook }).webhook!;
    res.json({ ...webhook, rawBodyLength: rawBody.length });
  });
  app.get("/hooks", webhookMiddleware({ dialect: "meta", secret: SECRET, ...options }), (_req, res) => void res.status(204).end());
  const onError: ErrorRequestHandler = (err: Error, _req, res, _next) => {
    errors.push(err.message);
    res.status(500).send("setup error");
  };
  app.use(onError);
  return { url: `${await serve(app)}/hooks`, errors };
}

describe("webhookMiddleware with express", () => {
  it("reads the raw body itself, verifies it and hands the webhook to the next handler", async () => {
    const { url } = await expressApp();
    const res = await fetch(url, { method: "POST", headers: metaHeaders(BODY), body: BODY });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      dialect: "meta",
      event: JSON.parse(BODY),
      id: "evt_1",
      type: "message.created",
      deliveryId: "dlv_1",
      rawBodyLength: Buffer.byteLength(BODY),
    });
  });

  it("uses req.body when express.raw() has read it already", async () => {
    const { url } = await expressApp([express.raw({ type: "*/*" })]);
    const res = await fetch(url, { method: "POST", headers: metaHeaders(BODY), body: BODY });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { id: string }).id).toBe("evt_1");
  });

  it("hands express an error naming the cause when express.json() consumed the body first", async () => {
    const { url, errors } = await expressApp([express.json()]);
    const res = await fetch(url, { method: "POST", headers: metaHeaders(BODY), body: BODY });
    expect(res.status).toBe(500);
    expect(errors).toEqual([expect.stringMatching(/parsed before the webhook middleware \(express\.json\(\)\?\)/)]);
  });

  it.each([
    ["a wrong signature", metaHeaders(BODY, "another-secret-000000"), "bad_signature"],
    ["no signature", { "content-type": "application/json" }, "missing_signature"],
    ["an unreadable signature", { "x-hub-signature-256": "sha1=abc" }, "malformed"],
  ])("answers %s with 401 and the reason, without calling the next handler", async (_what, headers, reason) => {
    const { url } = await expressApp();
    const res = await fetch(url, { method: "POST", headers, body: BODY });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: reason, message: expect.any(String) } });
  });

  it("answers 413 to a body larger than maxBodyBytes without reading it", async () => {
    const { url } = await expressApp([], { maxBodyBytes: 64 });
    const big = JSON.stringify({ pad: "x".repeat(100) });
    const res = await fetch(url, { method: "POST", headers: metaHeaders(big), body: big });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: "body_too_large" } });
  });

  it("stops reading a chunked body once it passes maxBodyBytes", async () => {
    const { url } = await expressApp([], { maxBodyBytes: 64 });
    const outcome = await new Promise<string>((resolve) => {
      const req = httpRequest(url, { method: "POST", headers: { "transfer-encoding": "chunked", ...metaHeaders("{}") } }, (res) => resolve(`status ${res.statusCode}`));
      req.on("error", (err) => resolve(`error ${(err as NodeJS.ErrnoException).code}`));
      req.write("x".repeat(100));
      // Never ended: a sender streaming on and on must not be buffered forever.
      setTimeout(() => req.write("y".repeat(100)), 50);
    });
    expect(outcome).toMatch(/^error (ECONNRESET|EPIPE)$|^status 413$/);
  });

  it("answers the dialect's handshake itself", async () => {
    const { url } = await expressApp();
    const ok = await fetch(`${url}?hub.mode=subscribe&hub.verify_token=${SECRET}&hub.challenge=1234567`);
    expect([ok.status, await ok.text()]).toEqual([200, "1234567"]);
    const refused = await fetch(`${url}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`);
    expect(refused.status).toBe(403);
  });

  it("refuses unusable options when it is built, not at the first request", () => {
    expect(() => webhookMiddleware({ dialect: "standard-webhooks", secret: "not-a-whsec" })).toThrow(TypeError);
    expect(() => webhookMiddleware({ dialect: "meta", secret: [] })).toThrow(TypeError);
  });
});

describe("webhookHandler on plain node:http", () => {
  const secret = `whsec_${randomBytes(32).toString("base64")}`;
  const signed = (body: string) => {
    const now = new Date();
    return { "webhook-id": "dlv_9", "webhook-timestamp": String(Math.floor(now.getTime() / 1000)), "webhook-signature": new StandardWebhook(secret).sign("dlv_9", now, body) };
  };

  it("calls back with the verified webhook and answers 200 when the callback does not answer itself", async () => {
    const got: ReceivedWebhook[] = [];
    const url = await serve(webhookHandler({ dialect: "standard-webhooks", secret }, (webhook) => void got.push(webhook)));
    const res = await fetch(url, { method: "POST", headers: signed(BODY), body: BODY });
    expect([res.status, await res.text()]).toEqual([200, "ok"]);
    expect(got).toMatchObject([{ id: "dlv_9", type: "message.created", timestamp: expect.any(Number) }]);
    const refused = await fetch(url, { method: "POST", headers: signed(BODY), body: `${BODY} ` });
    expect(refused.status).toBe(401);
    expect(got).toHaveLength(1);
  });

  it("lets the callback answer, and answers 500 when it throws", async () => {
    const answering = await serve(webhookHandler({ dialect: "standard-webhooks", secret }, (_w, _req, res) => void res.writeHead(202).end("queued")));
    const res = await fetch(answering, { method: "POST", headers: signed(BODY), body: BODY });
    expect([res.status, await res.text()]).toEqual([202, "queued"]);
    const failing = await serve(
      webhookHandler({ dialect: "standard-webhooks", secret }, async () => {
        throw new Error("database down");
      }),
    );
    const failed = await fetch(failing, { method: "POST", headers: signed(BODY), body: BODY });
    expect(failed.status).toBe(500);
    expect(await failed.text()).not.toContain("database down");
  });
});

describe("verifyRequest and receiveRequest with a Fetch API Request", () => {
  it("read the body and verify it", async () => {
    const request = new Request("https://receiver.example/hooks", { method: "POST", headers: metaHeaders(BODY), body: BODY });
    expect(await verifyRequest(request, { dialect: "meta", secret: SECRET })).toMatchObject({ ok: true, id: "evt_1" });
    const tampered = new Request("https://receiver.example/hooks", { method: "POST", headers: metaHeaders(BODY), body: `${BODY}\n` });
    expect(await verifyRequest(tampered, { dialect: "meta", secret: SECRET })).toMatchObject({ ok: false, reason: "bad_signature" });
  });

  it("answer a handshake, or else verify", async () => {
    const handshake = new Request(`https://receiver.example/hooks?hub.mode=subscribe&hub.verify_token=${SECRET}&hub.challenge=42`);
    expect(await receiveRequest(handshake, { dialect: "meta", secret: SECRET })).toEqual({
      handshake: { handled: true, status: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: "42" },
    });
    const delivery = new Request("https://receiver.example/hooks", { method: "POST", headers: metaHeaders(BODY), body: BODY });
    expect(await receiveRequest(delivery, { dialect: "meta", secret: SECRET })).toMatchObject({ handshake: null, result: { ok: true } });
  });
});
