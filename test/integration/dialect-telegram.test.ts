import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { Bot, webhookCallback } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import { Telegraf } from "telegraf";
import type { Update } from "telegraf/types";
import { eventually, startTestApp, type TestApp } from "../support/app";

const TOKEN_HEADER = "x-telegram-bot-api-secret-token";
const BOT_TOKEN = "123456:offline-test-bot-token";
const BOT_INFO = {
  id: 123456,
  is_bot: true,
  first_name: "Hookrelay test bot",
  username: "hookrelay_test_bot",
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
} as UserFromGetMe;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A grammY bot behind its own webhookCallback on node:http; every API call is refused and counted. */
function grammyHandler(secretToken: string, updates: unknown[], apiCalls: string[]): Handler {
  const bot = new Bot(BOT_TOKEN, { botInfo: BOT_INFO });
  bot.api.config.use(async (_prev, method) => {
    apiCalls.push(method);
    throw new Error("offline: no Bot API calls in tests");
  });
  bot.use((ctx) => void updates.push(ctx.update));
  return webhookCallback(bot, "http", { secretToken });
}

/** The same with Telegraf's `bot.webhookCallback(path, { secretToken })`. */
function telegrafHandler(secretToken: string, updates: unknown[], apiCalls: string[]): Handler {
  const bot = new Telegraf(BOT_TOKEN);
  bot.botInfo = BOT_INFO;
  bot.telegram.callApi = (async (method: string) => {
    apiCalls.push(method);
    throw new Error("offline: no Bot API calls in tests");
  }) as typeof bot.telegram.callApi;
  bot.use((ctx) => void updates.push(ctx.update));
  const callback = bot.webhookCallback("/telegram", { secretToken });
  return (req, res) => void callback(req, res);
}

const FRAMEWORKS = [
  ["grammY", grammyHandler],
  ["Telegraf", telegrafHandler],
] as const;

/**
 * A bot's webhook endpoint that also keeps what arrived (headers, exact bytes) and can answer
 * 500 to the next `failNext` requests before the bot sees them. The bot is built once the secret
 * token is known (`armWith`), since a generated one only comes back from registration.
 */
async function startBotEndpoint(make: (typeof FRAMEWORKS)[number][1]) {
  const updates: Update[] = [];
  const apiCalls: string[] = [];
  const received: { headers: IncomingMessage["headers"]; body: Buffer; status?: number }[] = [];
  const state = { failNext: 0 };
  let handler: Handler | null = null;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const seen: (typeof received)[number] = { headers: req.headers, body: Buffer.concat(chunks) };
    received.push(seen);
    res.on("finish", () => (seen.status = res.statusCode));
    if (!handler) return void res.writeHead(503).end();
    if (state.failNext > 0) {
      state.failNext--;
      return void res.writeHead(500).end("not yet");
    }
    // The frameworks read the request themselves: hand them the same bytes again.
    handler(Object.assign(Readable.from([seen.body]), { method: req.method, url: req.url, headers: req.headers }) as unknown as IncomingMessage, res);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/telegram`,
    updates,
    apiCalls,
    received,
    state,
    armWith(secret: string) {
      handler = make(secret, updates, apiCalls);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const aMessage = (text: string) => ({
  message: { message_id: 7, date: 1795427998, chat: { id: 42, type: "private", first_name: "Zoë" }, from: { id: 42, is_bot: false, first_name: "Zoë" }, text },
});

describe("the telegram dialect", () => {
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp({ HOOKRELAY_RETRY_SCHEDULE: "0,50ms", HOOKRELAY_RETRY_JITTER: "0" }, { worker: true });
    key = (await app.newAccount()).apiKey;
  });
  afterAll(() => app.close());

  const register = (url: string, verifyToken?: string) =>
    app.call("POST", "/v1/webhooks", { key, body: { url, dialect: "telegram", eventTypes: ["message.created"], ...(verifyToken ? { verifyToken } : {}) } });
  const emit = (data: Record<string, unknown>) => app.call("POST", "/v1/events", { key, body: { type: "message.created", data } });

  /** An endpoint of `framework` with a webhook registered on it and a generated secret token. */
  async function registeredBot(make: (typeof FRAMEWORKS)[number][1] = grammyHandler) {
    const endpoint = await startBotEndpoint(make);
    app.onClose(endpoint.close);
    const res = await register(endpoint.url);
    expect(res.status).toBe(201);
    endpoint.armWith(res.body.secret);
    return { ...endpoint, webhookId: res.body.id as string, secret: res.body.secret as string };
  }

  describe("registration", () => {
    it("makes no request to the endpoint and returns a generated secret token, once, in Telegram's alphabet", async () => {
      const endpoint = await startBotEndpoint(grammyHandler);
      app.onClose(endpoint.close);

      const res = await register(endpoint.url);

      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ dialect: "telegram", verifiedAt: expect.any(String) });
      expect(res.body.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(endpoint.received).toHaveLength(0);
      const fetched = await app.call("GET", `/v1/webhooks/${res.body.id}`, { key });
      expect(fetched.body.secret).toBeUndefined();
    });

    it("accepts a customer's token that follows setWebhook's secret_token rules", async () => {
      const endpoint = await startBotEndpoint(grammyHandler);
      app.onClose(endpoint.close);

      const res = await register(endpoint.url, "my_Bot-secret_token_0001");

      expect(res.status).toBe(201);
      expect(res.body.secret).toBeUndefined();
      expect(endpoint.received).toHaveLength(0);
    });

    it("refuses a customer's token that Telegram's setWebhook would refuse", async () => {
      const res = await register("http://127.0.0.1:9/telegram", "my.bot.secret:token");

      expect(res.status).toBe(400);
      expect(res.body.error.details.issues).toEqual([
        { field: "body.verifyToken", message: "may contain only A-Z, a-z, 0-9, _ and - (Telegram's secret_token rules)", code: "custom" },
      ]);
    });
  });

  describe.each(FRAMEWORKS)("deliveries to a %s bot", (_name, make) => {
    it("arrive as Updates its webhook handler accepts, non-ASCII text included, without any Bot API call", async () => {
      const bot = await registeredBot(make);
      const data = aMessage("Grüße aus Köln — ¿qué tal? 你好 👋");

      await emit(data);

      await eventually(async () => bot.updates.length > 0, "the bot's update");
      await eventually(async () => bot.received[0]?.status, "the endpoint's answer");
      expect(bot.received.map((r) => r.status)).toEqual([200]);
      expect(bot.updates).toEqual([{ update_id: expect.any(Number), ...data }]);
      expect(Number.isInteger(bot.updates[0]!.update_id) && bot.updates[0]!.update_id > 0).toBe(true);
      expect(bot.apiCalls).toEqual([]);
    });

    it("are refused when the secret token is wrong or missing, and accepted as sent", async () => {
      const bot = await registeredBot(make);
      await emit(aMessage("replay me"));
      await eventually(async () => bot.received[0]?.status, "the delivery");
      const sent = bot.received[0]!;
      expect(sent.status).toBe(200);
      expect(sent.headers[TOKEN_HEADER]).toBe(bot.secret);

      const replay = (headers: Record<string, string>) =>
        fetch(bot.url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: sent.body });
      // Change the last character to one it is not, so the token is always wrong.
      const wrong = await replay({ [TOKEN_HEADER]: `${bot.secret.slice(0, -1)}${bot.secret.endsWith("x") ? "y" : "x"}` });
      const missing = await replay({});
      expect([401, 403]).toContain(wrong.status);
      expect([401, 403]).toContain(missing.status);
      expect(bot.updates).toHaveLength(1);
      expect((await replay({ [TOKEN_HEADER]: bot.secret })).status).toBe(200);
      expect(bot.updates).toHaveLength(2);
    });
  });

  it("retries the same bytes with the secret token, and keeps the token out of the attempt log", async () => {
    const bot = await registeredBot();
    bot.state.failNext = 1;

    await emit(aMessage("try twice"));

    await eventually(async () => bot.updates.length > 0, "the retry to reach the bot");
    expect(bot.received.map((r) => r.headers["x-webhook-attempt"])).toEqual(["1", "2"]);
    expect(bot.received[1]!.body.equals(bot.received[0]!.body)).toBe(true);
    expect(bot.received.map((r) => r.headers[TOKEN_HEADER])).toEqual([bot.secret, bot.secret]);
    const deliveryId = String(bot.received[0]!.headers["x-webhook-id"]);
    const delivery = await eventually(async () => {
      const res = await app.call("GET", `/v1/deliveries/${deliveryId}`, { key });
      return res.body.attempts?.length === 2 && res.body;
    }, "both attempts in the log");
    for (const attempt of delivery.attempts as { requestHeaders: Record<string, string> }[]) {
      expect(attempt.requestHeaders[TOKEN_HEADER]).toBeDefined();
      expect(JSON.stringify(attempt.requestHeaders)).not.toContain(bot.secret);
    }
  });

  it("sends the test event as an Update the bot accepts", async () => {
    const bot = await registeredBot();

    const res = await app.call("POST", `/v1/webhooks/${bot.webhookId}/test`, { key });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, statusCode: 200 });
    expect(bot.updates).toHaveLength(1);
    expect(bot.updates[0]).toMatchObject({ update_id: expect.any(Number) });
    expect(bot.apiCalls).toEqual([]);
  });
});
