import { eventually, startTestApp, type TestApp } from "../support/app";
import { startWebhookReceiver, type WebhookReceiver } from "../support/receivers";

const TOKEN = "isolation-deliveries-token-01";
const QUIET_MS = 300;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface IdsOfA {
  webhook: string;
  disabledWebhook: string;
  delivery: string;
  testDelivery: string;
}

/** Every delivery route, as account B would call it with account A's ids. */
const SCOPED_CALLS: { label: string; method: string; path: (a: IdsOfA) => string; body?: unknown; what: string }[] = [
  { label: "sending a test event to A's webhook", method: "POST", path: (a) => `/v1/webhooks/${a.webhook}/test`, what: "webhook" },
  {
    label: "sending a test event of a named type to A's webhook",
    method: "POST",
    path: (a) => `/v1/webhooks/${a.webhook}/test`,
    body: { eventType: "message.created" },
    what: "webhook",
  },
  { label: "enabling A's disabled webhook", method: "POST", path: (a) => `/v1/webhooks/${a.disabledWebhook}/enable`, what: "webhook" },
  { label: "enabling A's active webhook", method: "POST", path: (a) => `/v1/webhooks/${a.webhook}/enable`, what: "webhook" },
  { label: "reading A's delivery log", method: "GET", path: (a) => `/v1/webhooks/${a.webhook}/deliveries`, what: "webhook" },
  {
    label: "reading A's delivery log with filters",
    method: "GET",
    path: (a) => `/v1/webhooks/${a.webhook}/deliveries?outcome=failure&eventType=message.created&limit=100`,
    what: "webhook",
  },
  { label: "reading A's delivery", method: "GET", path: (a) => `/v1/deliveries/${a.delivery}`, what: "delivery" },
  { label: "reading A's test delivery", method: "GET", path: (a) => `/v1/deliveries/${a.testDelivery}`, what: "delivery" },
  { label: "redelivering A's delivery", method: "POST", path: (a) => `/v1/deliveries/${a.delivery}/redeliver`, what: "delivery" },
  { label: "redelivering A's test delivery", method: "POST", path: (a) => `/v1/deliveries/${a.testDelivery}/redeliver`, what: "delivery" },
];

describe("one account can neither see nor touch another's deliveries", () => {
  let app: TestApp;
  let a: { accountId: string; apiKey: string };
  let b: { accountId: string; apiKey: string };
  let receiver: WebhookReceiver;
  let disabledReceiver: WebhookReceiver;
  const ids = {} as IdsOfA;
  const stateOfA = async () => ({
    webhooks: await app.container.db.webhook.findMany({ where: { accountId: a.accountId }, orderBy: { id: "asc" } }),
    deliveries: await app.container.db.delivery.findMany({ where: { accountId: a.accountId }, orderBy: { id: "asc" } }),
    attempts: await app.container.db.deliveryAttempt.count({ where: { accountId: a.accountId } }),
  });
  let before: Awaited<ReturnType<typeof stateOfA>>;

  beforeAll(async () => {
    app = await startTestApp({ HOOKRELAY_RETRY_SCHEDULE: "0", HOOKRELAY_RETRY_JITTER: "0" }, { worker: true });
    a = await app.newAccount("A");
    b = await app.newAccount("B");
    receiver = await startWebhookReceiver(TOKEN);
    disabledReceiver = await startWebhookReceiver(TOKEN);
    const register = async (url: string) => {
      const res = await app.call("POST", "/v1/webhooks", { key: a.apiKey, body: { url, verifyToken: TOKEN, eventTypes: ["message.created"] } });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    ids.webhook = await register(receiver.url);
    ids.disabledWebhook = await register(disabledReceiver.url);
    await app.container.db.webhook.update({
      where: { id: ids.disabledWebhook },
      data: { status: "disabled", disabledReason: "the endpoint answered 410 Gone", disabledAt: new Date() },
    });

    // A failed delivery: one A could redeliver right now.
    receiver.respond = (_req, res) => res.writeHead(500).end("down");
    const emitted = await app.call("POST", "/v1/events", { key: a.apiKey, body: { type: "message.created", data: { secret: "of A" } } });
    expect(emitted.status).toBe(202);
    const failed = await eventually(
      () => app.container.db.delivery.findFirst({ where: { webhookId: ids.webhook, status: "failed" } }),
      "A's delivery to fail",
    );
    ids.delivery = failed.id;
    // The failure count is written after the delivery settles; wait for it so the snapshot is final.
    await eventually(
      async () => (await app.container.db.webhook.findUniqueOrThrow({ where: { id: ids.webhook } })).consecutiveFailures === 1,
      "A's failure to be counted",
    );
    const test = await app.call("POST", `/v1/webhooks/${ids.webhook}/test`, { key: a.apiKey });
    ids.testDelivery = test.body.deliveryId;
    before = await stateOfA();
  });
  afterAll(async () => {
    await receiver.close();
    await disabledReceiver.close();
    await app.close();
  });

  it.each(SCOPED_CALLS)("answers account B 404 for $label, and sends nothing", async ({ method, path, body, what }) => {
    const requestsBefore = receiver.requests.length + disabledReceiver.requests.length;

    const res = await app.call(method, path(ids), { key: b.apiKey, body });

    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: "not_found", message: `${what} not found` } });
    await sleep(QUIET_MS);
    expect(receiver.requests.length + disabledReceiver.requests.length).toBe(requestsBefore);
  });

  it("leaves A's webhooks, deliveries and attempts exactly as they were after B's calls", async () => {
    expect(await stateOfA()).toEqual(before);
  });

  it("still lets A use the same routes on the same ids", async () => {
    const log = await app.call("GET", `/v1/webhooks/${ids.webhook}/deliveries`, { key: a.apiKey });
    expect(log.status).toBe(200);
    expect(log.body.data.map((x: { deliveryId: string }) => x.deliveryId)).toEqual([ids.testDelivery, ids.delivery]);
    expect((await app.call("GET", `/v1/deliveries/${ids.delivery}`, { key: a.apiKey })).status).toBe(200);
    expect((await app.call("POST", `/v1/deliveries/${ids.delivery}/redeliver`, { key: a.apiKey })).status).toBe(202);
  });

  it("shows B an empty log for B's own webhook, with none of A's attempts", async () => {
    const own = await startWebhookReceiver(TOKEN);
    try {
      const res = await app.call("POST", "/v1/webhooks", {
        key: b.apiKey,
        body: { url: own.url, verifyToken: TOKEN, eventTypes: ["message.created"] },
      });
      const log = await app.call("GET", `/v1/webhooks/${res.body.id}/deliveries?limit=100`, { key: b.apiKey });
      expect(log.status).toBe(200);
      expect(log.body).toEqual({ data: [], nextCursor: null });
    } finally {
      await own.close();
    }
  });

  it("does not deliver A's events to B's webhooks subscribed to the same type", async () => {
    const own = await startWebhookReceiver(TOKEN);
    try {
      const res = await app.call("POST", "/v1/webhooks", {
        key: b.apiKey,
        body: { url: own.url, verifyToken: TOKEN, eventTypes: ["message.created"] },
      });
      expect(res.status).toBe(201);
      const emitted = await app.call("POST", "/v1/events", { key: a.apiKey, body: { type: "message.created", data: { only: "A" } } });
      expect(emitted.body.deliveries).toBe(1);
      await sleep(QUIET_MS);
      expect(own.deliveries).toHaveLength(0);
    } finally {
      await own.close();
    }
  });
});
