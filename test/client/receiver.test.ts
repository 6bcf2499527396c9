import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { isValidSlackRequest } from "@slack/bolt";
import express from "express";
import { Bot, webhookCallback } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import XHubSignature from "x-hub-signature";
import { verify, webhookMiddleware, type CustomDialectOptions, type DialectName, type ReceivedWebhook, type VerifyResult } from "../../packages/client/src/receiver";
import { eventually, startTestApp, type TestApp } from "../support/app";

/**
 * hookrelay's real deliveries (API, queue, worker, signer) to a real express app whose only
 * webhook code is the receiver helper: it answers the registration handshake and verifies every
 * delivery. The same bytes are then given to the third-party verifier of each dialect.
 */
type Headers = Record<string, string>;
type ThirdParty = (secret: string, body: Buffer, headers: Headers) => boolean | Promise<boolean>;

const hmacEquals = (expected: string, got: string | undefined) =>
  got !== undefined && got.length === expected.length && timingSafeEqual(Buffer.from(expected), Buffer.from(got));
const hexHmac = (algorithm: string, secret: string, ...parts: (string | Buffer)[]) => {
  const mac = createHmac(algorithm, secret);
  for (const p of parts) mac.update(p);
  return mac.digest("hex");
};

/** grammY's own webhookCallback, on a server of its own, given the same headers and bytes. */
const grammyAccepts: ThirdParty = async (secret, body, headers) => {
  const bot = new Bot("123456:offline-test-bot-token", { botInfo: { id: 123456, is_bot: true, first_name: "t", username: "t_bot" } as UserFromGetMe });
  bot.api.config.use(async () => {
    throw new Error("offline: no Bot API calls in tests");
  });
  const seen: unknown[] = [];
  bot.use((ctx) => void seen.push(ctx.update));
  const server = createServer(webhookCallback(bot, "http", { secretToken: secret }));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { method: "POST", headers, body });
    return res.status === 200 && seen.length === 1;
  } finally {
    server.closeAllConnections();
    server.close();
  }
};

interface Case {
  name: string;
  dialect: DialectName;
  dialectOptions?: CustomDialectOptions;
  newSecret: () => string;
  /** What the registration sends to the endpoint before answering 201, if anything. */
  handshake: "GET" | "POST" | null;
  thirdParty: [string, ThirdParty];
}

const printable = () => randomBytes(24).toString("base64url");
const whsec = () => `whsec_${randomBytes(32).toString("base64")}`;

const CASES: Case[] = [
  {
    name: "meta",
    dialect: "meta",
    newSecret: printable,
    handshake: "GET",
    thirdParty: ["x-hub-signature", (s, body, h) => new XHubSignature("sha256", s).verify(h["x-hub-signature-256"]!, body)],
  },
  {
    name: "wappcloud",
    dialect: "wappcloud",
    newSecret: printable,
    handshake: "GET",
    thirdParty: ["the seed's HMAC check", (s, body, h) => hmacEquals(`sha256=${hexHmac("sha256", s, body)}`, h["x-wappcloud-signature"])],
  },
  {
    name: "oneroute",
    dialect: "oneroute",
    newSecret: printable,
    handshake: null,
    // The seed's receiver HMACs JSON.stringify(req.body) after express.json().
    thirdParty: ["the seed's HMAC of JSON.stringify(req.body)", (s, body, h) => hmacEquals(hexHmac("sha512", s, JSON.stringify(JSON.parse(body.toString("utf8")))), h["x-oneroute-signature"])],
  },
  {
    name: "oblic",
    dialect: "oblic",
    newSecret: printable,
    handshake: null,
    thirdParty: ["the seed's HMAC check", (s, body, h) => hmacEquals(hexHmac("sha256", s, body), h["x-oblic-signature"])],
  },
  {
    name: "slack",
    dialect: "slack",
    newSecret: printable,
    handshake: "POST",
    thirdParty: [
      "@slack/bolt's isValidSlackRequest",
      (s, body, h) =>
        isValidSlackRequest({
          signingSecret: s,
          body: body.toString("utf8"),
          headers: { "x-slack-signature": h["x-slack-signature"]!, "x-slack-request-timestamp": Number(h["x-slack-request-timestamp"]) },
        }),
    ],
  },
  { name: "telegram", dialect: "telegram", newSecret: printable, handshake: null, thirdParty: ["grammY's webhookCallback", grammyAccepts] },
  {
    name: "standard-webhooks",
    dialect: "standard-webhooks",
    newSecret: whsec,
    handshake: null,
    thirdParty: [
      "the standardwebhooks and svix libraries",
      (s, body, h) => {
        try {
          new StandardWebhook(s).verify(body, h);
          new SvixWebhook(s).verify(body, h);
          return true;
        } catch {
          return false;
        }
      },
    ],
  },
  {
    name: "custom (hex HMAC-SHA256 of the body, meta handshake)",
    dialect: "custom",
    dialectOptions: { signatureHeader: "x-acme-signature", handshake: "meta" },
    newSecret: printable,
    handshake: "GET",
    thirdParty: ["a hand-written HMAC check", (s, body, h) => hmacEquals(hexHmac("sha256", s, body), h["x-acme-signature"])],
  },
  {
    name: "custom (base64 HMAC-SHA512 of timestamp.body, slack handshake)",
    dialect: "custom",
    dialectOptions: { signatureHeader: "x-acme-signature", algorithm: "sha512", encoding: "base64", prefix: "v1=", signedContent: "timestamp.body", handshake: "slack" },
    newSecret: printable,
    handshake: "POST",
    thirdParty: [
      "a hand-written HMAC check",
      (s, body, h) => {
        const expected = `v1=${createHmac("sha512", s).update(`${h["x-webhook-timestamp"]}.`).update(body).digest("base64")}`;
        return hmacEquals(expected, h["x-acme-signature"]);
      },
    ],
  },
  {
    name: "custom (wappcloud handshake)",
    dialect: "custom",
    dialectOptions: { signatureHeader: "x-acme-signature", prefix: "sha256=", handshake: "wappcloud" },
    newSecret: printable,
    handshake: "GET",
    thirdParty: ["a hand-written HMAC check", (s, body, h) => hmacEquals(`sha256=${hexHmac("sha256", s, body)}`, h["x-acme-signature"])],
  },
];

interface Arrival {
  webhook: ReceivedWebhook;
  headers: Headers;
}

const flat = (h: IncomingHttpHeaders): Headers => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v)]));

/**
 * A customer's express app: `webhookMiddleware` on /hooks, then a handler that keeps what the
 * middleware handed over. `configure` swaps the secrets, as a deploy of new configuration would.
 */
async function startExpressReceiver(c: Case, secret: string | string[]) {
  const arrivals: Arrival[] = [];
  const seen: { method: string; status: number }[] = [];
  const options = (s: string | string[]) => ({ dialect: c.dialect, secret: s, ...(c.dialectOptions ? { dialectOptions: c.dialectOptions } : {}) });
  let middleware = webhookMiddleware(options(secret));
  const app = express();
  app.use((req, res, next) => {
    res.on("finish", () => seen.push({ method: req.method, status: res.statusCode }));
    next();
  });
  app.all("/hooks", (req, res, next) => middleware(req, res, next));
  app.post("/hooks", (req, res) => {
    arrivals.push({ webhook: (req as { webhook?: ReceivedWebhook }).webhook!, headers: flat(req.headers) });
    res.status(200).send("received");
  });
  const server: Server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks?tenant=42`,
    arrivals,
    seen,
    configure: (s: string | string[]) => void (middleware = webhookMiddleware(options(s))),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("the receiver helpers, against hookrelay's real deliveries", () => {
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp({ HOOKRELAY_RETRY_SCHEDULE: "0,50ms,50ms", HOOKRELAY_RETRY_JITTER: "0" }, { worker: true });
  });
  beforeEach(async () => {
    key = (await app.newAccount()).apiKey;
  });
  afterAll(() => app.close());

  const DATA = { message: { message_id: 7, chat: { id: 1, type: "private" }, text: "Grüße aus Köln 👋" }, amount: 10 };
  const emit = async () => {
    const res = await app.call("POST", "/v1/events", { key, body: { type: "message.created", data: DATA } });
    expect(res.status).toBe(202);
    return res.body.id as string;
  };
  const settled = (eventId: string) =>
    eventually(async () => {
      const d = await app.container.db.delivery.findFirst({ where: { eventId } });
      return d && ["succeeded", "failed"].includes(d.status) ? d : null;
    }, "the delivery to settle");

  async function registered(c: Case) {
    const secret = c.newSecret();
    const receiver = await startExpressReceiver(c, secret);
    app.onClose(receiver.close);
    const res = await app.call("POST", "/v1/webhooks", {
      key,
      body: { url: receiver.url, dialect: c.dialect, verifyToken: secret, eventTypes: ["message.created"], ...(c.dialectOptions ? { dialectOptions: c.dialectOptions } : {}) },
    });
    expect(res.status).toBe(201);
    return { receiver, secret, id: res.body.id as string };
  }

  const verifyWith = (c: Case, arrival: Arrival, secret: string | string[]): VerifyResult =>
    verify({ headers: arrival.headers, rawBody: arrival.webhook.rawBody }, { dialect: c.dialect, secret, ...(c.dialectOptions ? { dialectOptions: c.dialectOptions } : {}) });

  describe.each(CASES)("$name", (c) => {
    it("answers the registration handshake, accepts the delivery, and the third-party verifier accepts the same bytes", async () => {
      const { receiver, secret, id } = await registered(c);
      // The handshake was answered by answerHandshake inside the middleware (or there is none).
      expect(receiver.seen).toEqual(c.handshake ? [{ method: c.handshake, status: 200 }] : []);
      const webhook = await app.call("GET", `/v1/webhooks/${id}`, { key });
      expect(webhook.body).toMatchObject({ status: "active", ...(c.handshake ? { verifiedAt: expect.any(String) } : {}) });

      const eventId = await emit();
      expect((await settled(eventId)).status).toBe("succeeded");
      expect(receiver.arrivals).toHaveLength(1);
      const arrival = receiver.arrivals[0]!;
      expect(arrival.webhook).toMatchObject({ dialect: c.dialect, type: "message.created", deliveryId: expect.stringMatching(/^dlv_/), attempt: 1 });
      expect(JSON.stringify(arrival.webhook.event)).toContain(JSON.stringify(DATA.message.text));
      if (["meta", "wappcloud", "oblic", "custom", "slack"].includes(c.dialect)) expect(arrival.webhook.id).toBe(eventId);

      const [library, accepts] = c.thirdParty;
      expect(`${library}: ${await accepts(secret, arrival.webhook.rawBody, arrival.headers)}`).toBe(`${library}: true`);
      const tampered = Buffer.from(arrival.webhook.rawBody.toString("utf8").replace('"amount":10', '"amount":99'));
      expect(tampered.equals(arrival.webhook.rawBody)).toBe(false);
      if (c.dialect === "telegram") {
        // The secret token does not cover the body: neither grammY nor the helper can see tampering.
        expect(verifyWith(c, { ...arrival, webhook: { ...arrival.webhook, rawBody: tampered } }, secret).ok).toBe(true);
      } else {
        expect(await accepts(secret, tampered, arrival.headers)).toBe(false);
        expect(verifyWith(c, { ...arrival, webhook: { ...arrival.webhook, rawBody: tampered } }, secret)).toMatchObject({ ok: false, reason: "bad_signature" });
      }
      const other = c.newSecret();
      expect(await accepts(other, arrival.webhook.rawBody, arrival.headers)).toBe(false);
      expect(verifyWith(c, arrival, other)).toMatchObject({ ok: false, reason: "bad_signature" });
    });

    it("refuses with 401, naming the reason, when configured with another secret, and hookrelay logs that answer", async () => {
      const { receiver } = await registered(c);
      receiver.configure(c.newSecret());
      const eventId = await emit();
      await eventually(async () => (await app.container.db.deliveryAttempt.count({ where: { eventId } })) >= 2, "two refused attempts");
      expect(receiver.arrivals).toHaveLength(0);
      const attempt = await app.container.db.deliveryAttempt.findFirstOrThrow({ where: { eventId }, orderBy: { attemptNumber: "asc" } });
      expect(attempt).toMatchObject({ success: false, responseStatus: 401 });
      expect(JSON.parse(attempt.responseBody!)).toEqual({ error: { code: "bad_signature", message: expect.any(String) } });
    });

    it("keeps verifying across a secret rotation: both secrets during the grace period, the new one after", async () => {
      const { receiver, secret: first, id } = await registered(c);
      const second = c.newSecret();
      const rotated = await app.call("POST", `/v1/webhooks/${id}/rotate-secret`, { key, body: { secret: second, graceSeconds: 3600 } });
      expect(rotated.status).toBe(200);
      expect(rotated.body.previousSecretExpiresAt).toEqual(expect.any(String));
      // The receiver is given both while the old one still signs.
      receiver.configure([second, first]);
      const during = await emit();
      expect((await settled(during)).status).toBe("succeeded");
      const inGrace = receiver.arrivals.at(-1)!;
      expect(verifyWith(c, inGrace, [second, first]).ok).toBe(true);
      expect(verifyWith(c, inGrace, [first]).ok).toBe(true);
      // standard-webhooks carries both signatures; the others are signed with the old secret until the grace period ends.
      expect(verifyWith(c, inGrace, second).ok).toBe(c.dialect === "standard-webhooks");
      if (c.dialect === "standard-webhooks") expect(inGrace.headers["webhook-signature"]!.split(" ")).toHaveLength(2);

      const third = c.newSecret();
      const ended = await app.call("POST", `/v1/webhooks/${id}/rotate-secret`, { key, body: { secret: third, graceSeconds: 0 } });
      expect(ended.body.previousSecretExpiresAt).toBeNull();
      receiver.configure(third);
      const after = await emit();
      expect((await settled(after)).status).toBe("succeeded");
      const rotatedArrival = receiver.arrivals.at(-1)!;
      expect(verifyWith(c, rotatedArrival, third).ok).toBe(true);
      expect(verifyWith(c, rotatedArrival, [third, second]).ok).toBe(true);
      expect(verifyWith(c, rotatedArrival, [second, first])).toMatchObject({ ok: false, reason: "bad_signature" });
      expect(await c.thirdParty[1](third, rotatedArrival.webhook.rawBody, rotatedArrival.headers)).toBe(true);
    });
  });
});
