import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { App, ExpressReceiver, isValidSlackRequest, LogLevel } from "@slack/bolt";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { startReceiver, type RecordedRequest, type Respond } from "../support/receivers";

const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const OTHER_SECRET = "0000aaaabbbbccccddddeeeeffff1111";

/** Slack's SDK's verdict on a request as it arrived: raw body, both headers. */
function boltAccepts(req: Pick<RecordedRequest, "headers" | "body">, secret = SIGNING_SECRET): boolean {
  return isValidSlackRequest({
    signingSecret: secret,
    body: req.body.toString("utf8"),
    headers: {
      "x-slack-signature": String(req.headers["x-slack-signature"]),
      "x-slack-request-timestamp": Number(req.headers["x-slack-request-timestamp"]),
    },
  });
}

/**
 * A receiver written from Slack's docs on plain node:http: refuses what Slack's SDK cannot
 * verify with 401, answers url_verification as told, acknowledges events with 200 unless
 * `failNext` says otherwise.
 */
async function startSlackDocsReceiver(secret: string, answer: "text" | "wrong" = "text") {
  const state = { failNext: 0 };
  const accepted: RecordedRequest[] = [];
  const respond: Respond = (req, res) => {
    if (!boltAccepts(req, secret)) return void res.writeHead(401, { "content-type": "text/plain" }).end("invalid signature");
    const body = JSON.parse(req.body.toString("utf8"));
    if (body.type === "url_verification") {
      return void res.writeHead(200, { "content-type": "text/plain" }).end(answer === "text" ? body.challenge : "not-the-challenge");
    }
    accepted.push(req);
    if (state.failNext > 0) {
      state.failNext--;
      return void res.writeHead(500).end("try again");
    }
    res.writeHead(200).end();
  };
  const receiver = await startReceiver(respond, "/slack/events");
  return { ...receiver, accepted, state };
}

/**
 * A real Bolt app (ExpressReceiver: signature check and url_verification built in), offline:
 * `authorize` answers locally, and no listener calls Slack's API.
 */
async function startBoltApp(secret: string) {
  const receiver = new ExpressReceiver({ signingSecret: secret, logLevel: LogLevel.ERROR });
  const app = new App({ receiver, logLevel: LogLevel.ERROR, authorize: async () => ({ botToken: "xoxb-offline", botId: "B0", botUserId: "U0" }) });
  const events: { event: Record<string, unknown>; body: Record<string, unknown> }[] = [];
  const messages: string[] = [];
  // Bolt refuses event names starting with "message." by string; a pattern is how to listen.
  app.event(/^[a-z_]+\.[a-z_.]+$/, async ({ event, body }) => void events.push({ event: { ...event }, body: { ...body } }));
  app.message(async ({ message }) => void messages.push((message as { text?: string }).text ?? ""));
  const server: Server = receiver.app.listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  const close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url, events, messages, close };
}

describe("the slack dialect", () => {
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp({ HOOKRELAY_RETRY_SCHEDULE: "0,50ms", HOOKRELAY_RETRY_JITTER: "0" }, { worker: true });
    key = (await app.newAccount()).apiKey;
  });
  afterAll(() => app.close());

  const register = (url: string, secret: string | null = SIGNING_SECRET) =>
    app.call("POST", "/v1/webhooks", {
      key,
      body: { url, dialect: "slack", eventTypes: ["message.created"], ...(secret === null ? {} : { verifyToken: secret }) },
    });
  const emit = (data: Record<string, unknown>) => app.call("POST", "/v1/events", { key, body: { type: "message.created", data } });

  async function docsReceiver(secret = SIGNING_SECRET, answer: "text" | "wrong" = "text") {
    const receiver = await startSlackDocsReceiver(secret, answer);
    app.onClose(() => receiver.close());
    return receiver;
  }
  async function boltApp() {
    const bolt = await startBoltApp(SIGNING_SECRET);
    app.onClose(bolt.close);
    const res = await register(bolt.url);
    expect(res.status).toBe(201);
    return { ...bolt, webhookId: res.body.id as string };
  }

  describe("registration (url_verification)", () => {
    it("succeeds when the receiver answers the challenge as plain text, after checking the signature", async () => {
      const receiver = await docsReceiver();

      const res = await register(receiver.url);

      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ dialect: "slack", verifiedAt: expect.any(String) });
      expect(res.body.secret).toBeUndefined();
      expect(receiver.requests).toHaveLength(1);
      const handshake = receiver.requests[0]!;
      expect(handshake.method).toBe("POST");
      expect(boltAccepts(handshake)).toBe(true);
      expect(JSON.parse(handshake.body.toString("utf8"))).toEqual({ token: "", challenge: expect.any(String), type: "url_verification" });
    });

    it("succeeds on a Bolt app, which answers the challenge as JSON", async () => {
      const bolt = await boltApp();
      expect(bolt.webhookId).toMatch(/^wh_/);
    });

    it("fails when the receiver answers another value than the challenge", async () => {
      const receiver = await docsReceiver(SIGNING_SECRET, "wrong");

      const res = await register(receiver.url);

      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: "handshake_failed", details: { reason: "challenge_mismatch", status: 200, bodySnippet: "not-the-challenge" } });
    });

    it("fails when the receiver refuses the signature because it holds another signing secret", async () => {
      const receiver = await docsReceiver(OTHER_SECRET);

      const res = await register(receiver.url);

      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: "handshake_failed", details: { reason: "http_status", status: 401 } });
      expect(receiver.requests).toHaveLength(1);
    });

    it("requires the customer's signing secret: none is generated", async () => {
      const receiver = await docsReceiver();

      const res = await register(receiver.url, null);

      expect(res.status).toBe(400);
      expect(res.body.error.message).toBe("body.verifyToken: required for the slack dialect, whose handshake uses it");
      expect(receiver.requests).toHaveLength(0);
    });
  });

  describe("deliveries", () => {
    it("reach a Bolt app's listener as an event_callback, non-ASCII text included", async () => {
      const bolt = await boltApp();
      const data = { text: "Grüße aus Köln — ¿qué tal? 你好 👋", channel: "C123" };

      const emitted = await emit(data);

      const [got] = await eventually(async () => bolt.events.length > 0 && bolt.events, "the Bolt listener");
      expect(got!.event).toEqual({ type: "message.created", ...data });
      expect(got!.body).toMatchObject({
        token: "",
        team_id: "THOOKRELAY",
        api_app_id: "AHOOKRELAY",
        type: "event_callback",
        event_id: emitted.body.id,
        event_time: Math.floor(Date.parse(emitted.body.createdAt) / 1000),
      });
    });

    it("reach a Bolt app's message listener when the data is a Slack message event", async () => {
      const bolt = await boltApp();

      await emit({ type: "message", channel: "C123", channel_type: "im", user: "U777", text: "hello from a producer", ts: "1795427998.000100" });

      await eventually(async () => bolt.messages.length > 0, "the Bolt message listener");
      expect(bolt.messages).toEqual(["hello from a producer"]);
      expect(bolt.events).toHaveLength(0);
    });

    it("are refused by the receiver once the body is tampered with", async () => {
      const receiver = await docsReceiver();
      expect((await register(receiver.url)).status).toBe(201);
      await emit({ amount: 10 });
      const [got] = await eventually(async () => receiver.accepted.length > 0 && receiver.accepted, "the delivery");

      const replay = (body: string) =>
        fetch(receiver.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-slack-request-timestamp": String(got!.headers["x-slack-request-timestamp"]),
            "x-slack-signature": String(got!.headers["x-slack-signature"]),
          },
          body,
        });
      const original = got!.body.toString("utf8");
      const tampered = original.replace('"amount":10', '"amount":99');
      expect(tampered).not.toBe(original);
      expect((await replay(tampered)).status).toBe(401);
      expect((await replay(original)).status).toBe(200);
    });

    it("retry with a fresh timestamp and signature over the same bytes, and log the signature masked", async () => {
      const receiver = await docsReceiver();
      const created = await register(receiver.url);
      receiver.state.failNext = 1;

      await emit({ text: "once more" });

      const tries = await eventually(async () => receiver.accepted.length >= 2 && receiver.accepted, "the retry");
      expect(tries.map((t) => t.headers["x-webhook-attempt"])).toEqual(["1", "2"]);
      expect(tries.map((t) => t.headers["x-slack-retry-num"])).toEqual([undefined, "1"]);
      expect(tries[1]!.body.equals(tries[0]!.body)).toBe(true);
      expect(tries.every((t) => boltAccepts(t))).toBe(true);
      expect(Number(tries[1]!.headers["x-slack-request-timestamp"])).toBeGreaterThanOrEqual(Number(tries[0]!.headers["x-slack-request-timestamp"]));

      const deliveryId = String(tries[0]!.headers["x-webhook-id"]);
      const attempts = await eventually(async () => {
        const res = await app.call("GET", `/v1/deliveries/${deliveryId}`, { key });
        return res.body.attempts?.length === 2 && (res.body.attempts as { requestHeaders: Record<string, string> }[]);
      }, "both attempts in the log");
      expect(created.body.id).toBe((await app.call("GET", `/v1/deliveries/${deliveryId}`, { key })).body.webhookId);
      for (const [i, attempt] of attempts.entries()) {
        expect(attempt.requestHeaders["x-slack-request-timestamp"]).toBe(tries[i]!.headers["x-slack-request-timestamp"]);
        expect(attempt.requestHeaders["x-slack-signature"]).not.toBe(tries[i]!.headers["x-slack-signature"]);
        expect(JSON.stringify(attempt.requestHeaders)).not.toContain(String(tries[i]!.headers["x-slack-signature"]).slice(3));
      }
    });
  });

  it("sends the test event as an event_callback that a Bolt app accepts", async () => {
    const bolt = await boltApp();

    const res = await app.call("POST", `/v1/webhooks/${bolt.webhookId}/test`, { key });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, statusCode: 200 });
    await eventually(async () => bolt.events.length > 0, "the Bolt listener");
    expect(bolt.events[0]!.event.type).toBe("message.created");
    expect(bolt.events[0]!.body.event_id).toBe(res.body.eventId);
  });
});
