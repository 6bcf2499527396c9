import {
  AuthenticationError,
  ConflictError,
  Hookrelay,
  type HookrelayError,
  isHookrelayError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitError,
  UnprocessableError,
  ValidationError,
  type HookrelayOptions,
} from "../../packages/client/src";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { aReceiver, DEFAULT_TOKEN } from "../support/factories";

/** A short schedule: tests never wait real minutes. */
const FAST = { HOOKRELAY_RETRY_SCHEDULE: "0,50ms,50ms,50ms", HOOKRELAY_RETRY_JITTER: "0" };

interface Sent {
  method: string;
  path: string;
  headers: Headers;
  status: number;
  at: number;
  retryAfter: string | null;
}

/** A fetch that records every attempt the SDK makes (the SDK's retries included) on its way to the real API. */
function observedFetch() {
  const sent: Sent[] = [];
  const fetchFn: typeof fetch = async (input, init) => {
    const at = Date.now();
    const res = await fetch(input, init);
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
    sent.push({ method: init?.method ?? "GET", path: url.pathname, headers: new Headers(init?.headers), status: res.status, at, retryAfter: res.headers.get("retry-after") });
    return res;
  };
  return { fetch: fetchFn, sent };
}

describe("the SDK against the real API", () => {
  let app: TestApp;
  let accountId: string;
  let apiKey: string;
  let observed: ReturnType<typeof observedFetch>;
  let hr: Hookrelay;
  const client = (options: Partial<HookrelayOptions> = {}) => new Hookrelay({ baseUrl: app.baseUrl, apiKey, fetch: observed.fetch, ...options });

  beforeAll(async () => {
    app = await startTestApp(FAST, { worker: true });
  });
  beforeEach(async () => {
    ({ accountId, apiKey } = await app.newAccount());
    observed = observedFetch();
    hr = client();
  });
  afterAll(() => app.close());

  const newWebhook = async (eventTypes = ["message.created"]) => {
    const receiver = await aReceiver(app);
    const webhook = await hr.webhooks.create({ url: receiver.url, verifyToken: DEFAULT_TOKEN, eventTypes });
    return { receiver, webhook };
  };

  it("manages a webhook from registration to deletion, its handshake answered by a real receiver", async () => {
    const receiver = await aReceiver(app);
    const created = await hr.webhooks.create({ url: receiver.url, verifyToken: DEFAULT_TOKEN, eventTypes: ["message.created"], description: "orders" });
    expect(created).toMatchObject({ id: expect.stringMatching(/^wh_/), url: receiver.url, status: "active", description: "orders", verifiedAt: expect.any(String) });
    expect(receiver.requests.filter((r) => r.method === "GET")).toHaveLength(1);

    expect(await hr.webhooks.get(created.id)).toMatchObject({ id: created.id, eventTypes: ["message.created"] });
    expect(await hr.webhooks.update(created.id, { description: null, eventTypes: ["message.created", "chat.status_changed"] })).toMatchObject({
      description: null,
      eventTypes: ["message.created", "chat.status_changed"],
    });
    expect(await hr.webhooks.pause(created.id, { reason: "maintenance" })).toMatchObject({ status: "disabled", disabledReasonCode: "paused", disabledReason: expect.stringContaining("maintenance") });
    expect(await hr.webhooks.enable(created.id)).toMatchObject({ status: "active" });
    expect(await hr.webhooks.verify(created.id)).toMatchObject({ verified: true, webhook: { id: created.id } });
    const tested = await hr.webhooks.test(created.id);
    expect(tested).toMatchObject({ success: true, statusCode: 200 });
    expect(receiver.deliveries.some((d) => JSON.parse(d.body.toString()).id === tested.eventId)).toBe(true);
    expect((await hr.webhooks.stats(created.id)).window).toBe("24h");

    await hr.webhooks.delete(created.id);
    // A soft delete: still readable by id, gone from the list and for writes.
    expect(await hr.webhooks.get(created.id)).toMatchObject({ id: created.id, status: "deleted", deletedAt: expect.any(String) });
    expect((await hr.webhooks.list().all()).map((w) => w.id)).not.toContain(created.id);
    await expect(hr.webhooks.update(created.id, { description: "back" })).rejects.toBeInstanceOf(NotFoundError);
    for (const s of observed.sent) {
      expect(s.headers.get("authorization")).toBe(`Bearer ${apiKey}`);
      expect(s.headers.get("user-agent")).toMatch(/^hookrelay-client-ts\/\d+\.\d+\.\d+$/);
    }
  });

  it("emits one event and a batch split over several requests, in order, each keyed once; every delivery arrives", async () => {
    const { receiver, webhook } = await newWebhook();
    const one = await hr.events.emit({ type: "message.created", data: { n: -1 } });
    expect(one).toMatchObject({ id: expect.stringMatching(/^evt_/), deliveries: 1, idempotencyKey: expect.stringMatching(/^[0-9a-f-]{36}$/) });

    const small = client({ maxBatchEvents: 3 });
    const events = Array.from({ length: 8 }, (_, n) => ({ type: "message.created", data: { n } }));
    const accepted = await small.events.emitBatch(events);
    expect(observed.sent.filter((s) => s.path === "/v1/events/batch").map((s) => s.status)).toEqual([202, 202, 202]);
    expect(accepted).toHaveLength(8);
    expect(new Set(accepted.map((a) => a.idempotencyKey)).size).toBe(8);
    const stored = await Promise.all(accepted.map((a) => hr.events.get(a.id)));
    expect(stored.map((e) => (e.data as { n: number }).n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

    await eventually(async () => receiver.deliveries.length >= 9, "9 deliveries at the receiver");
    const delivered = receiver.deliveries.map((d) => JSON.parse(d.body.toString()).id as string);
    expect(new Set(delivered)).toEqual(new Set([one.id, ...accepted.map((a) => a.id)]));
    const log = await hr.webhooks.attempts(webhook.id).all();
    expect(log).toHaveLength(9);
    expect(await hr.attempts.get(log[0]!.id)).toMatchObject({ id: log[0]!.id, success: true, requestBody: expect.any(String) });
    expect(await hr.deliveries.get(log[0]!.deliveryId)).toMatchObject({ status: "succeeded", attempts: [expect.objectContaining({ id: log[0]!.id })] });
  });

  it("replays the first answer for a repeated key, and a batch key makes a repeated emitBatch replay too", async () => {
    await newWebhook();
    const first = await hr.events.emit({ type: "message.created", data: { a: 1 }, idempotencyKey: "order-1" });
    const again = await hr.events.emit({ type: "message.created", data: { a: 1 }, idempotencyKey: "order-1" });
    expect(again).toEqual(first);

    const small = client({ maxBatchEvents: 2 });
    const events = Array.from({ length: 5 }, (_, n) => ({ type: "message.created", data: { n } }));
    const batch = await small.events.emitBatch(events, { idempotencyKey: "import-7" });
    expect(batch.map((a) => a.idempotencyKey)).toEqual(["import-7#0", "import-7#1", "import-7#2", "import-7#3", "import-7#4"]);
    expect(await small.events.emitBatch(events, { idempotencyKey: "import-7" })).toEqual(batch);
    expect(await app.container.db.event.count({ where: { accountId } })).toBe(6);
  });

  it("iterates every item across pages, following nextCursor", async () => {
    const receiver = await aReceiver(app);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await hr.webhooks.create({ url: receiver.url, verifyToken: DEFAULT_TOKEN, eventTypes: ["message.created"] })).id);
    const seen: string[] = [];
    for await (const w of hr.webhooks.list({ limit: 2 })) seen.push(w.id);
    expect(seen.sort()).toEqual([...ids].sort());
    const pages = [];
    for await (const page of hr.webhooks.list({ limit: 2 }).pages()) pages.push(page);
    expect(pages.map((p) => p.data.length)).toEqual([2, 2, 1]);
    expect(pages.map((p) => p.nextCursor === null)).toEqual([false, false, true]);
    const first = await hr.webhooks.list({ limit: 2 }).first();
    expect(first.data.map((w) => w.id)).toEqual(pages[0]!.data.map((w) => w.id));

    await hr.events.emitBatch(Array.from({ length: 7 }, (_, n) => ({ type: "message.created", data: { n } })));
    const events = await hr.events.list({ limit: 3, type: "message.created" }).all();
    expect(events).toHaveLength(7);
    expect(new Set(events.map((e) => e.id)).size).toBe(7);
    expect(observed.sent.filter((s) => s.path === "/v1/events" && s.method === "GET")).toHaveLength(3);
    expect((await hr.eventTypes.list().all()).map((t) => t.name)).toContain("message.created");
  });

  it("rejects with typed errors carrying the API's code, message, field issues and request id", async () => {
    const invalid = await hr.webhooks.create({ url: "not a url", eventTypes: [] }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(ValidationError);
    expect(isHookrelayError(invalid)).toBe(true);
    const v = invalid as ValidationError;
    expect(v).toMatchObject({ status: 400, code: "validation_failed", requestId: expect.any(String) });
    expect(v.issues.map((i) => i.field)).toEqual(expect.arrayContaining(["body.url", "body.eventTypes"]));
    expect(v.issues.find((i) => i.field === "body.eventTypes")).toMatchObject({ code: "too_small", params: { minimum: 1 } });
    expect(v.message).toContain("body.url");

    const unauthenticated = await client({ apiKey: "hr_not_a_real_key_000000000000" }).webhooks.list().first().catch((e: unknown) => e);
    expect(unauthenticated).toBeInstanceOf(AuthenticationError);
    expect(unauthenticated).toMatchObject({ status: 401, code: expect.any(String) });

    await expect(hr.webhooks.get("wh_01JD2Z8Q3M4N5P6R7S8T9V0W1X")).rejects.toMatchObject({ name: "NotFoundError", status: 404 });
    await expect(hr.events.emit({ type: "no.such_type", data: {} })).rejects.toMatchObject({ name: "UnprocessableError", status: 422, code: "unknown_event_types" });
    await expect(hr.events.emit({ type: "no.such_type", data: {} })).rejects.toBeInstanceOf(UnprocessableError);
    await hr.events.emit({ type: "message.created", data: { v: 1 }, idempotencyKey: "k-409" });
    const reused = await hr.events.emit({ type: "message.created", data: { v: 2 }, idempotencyKey: "k-409" }).catch((e: unknown) => e);
    expect(reused).toBeInstanceOf(ConflictError);
    expect(reused).toMatchObject({ code: "idempotency_key_reused", details: { eventId: expect.stringMatching(/^evt_/) } });
    // Each answer's X-Request-Id is on the error.
    const last = observed.sent[observed.sent.length - 1]!;
    expect(last.status).toBe(409);
    expect((reused as HookrelayError).requestId).toMatch(/\S/);
  });

  it("refuses, before sending anything, an event too big for any batch request", async () => {
    const small = client({ maxBatchBytes: 2_000 });
    const events = [{ type: "message.created", data: { a: 1 } }, { type: "message.created", data: { blob: "x".repeat(3_000) } }];
    const err = await small.events.emitBatch(events).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    expect(err).toMatchObject({ status: 413, details: { index: 1, maxBatchBytes: 2_000 }, message: expect.stringContaining("nothing was sent") });
    expect(observed.sent).toHaveLength(0);
  });
});

describe("the SDK under the ingest rate limit", () => {
  let app: TestApp;
  beforeAll(async () => {
    // One emit per second per key, no burst: every other emit is refused with Retry-After.
    app = await startTestApp({ HOOKRELAY_INGEST_RATE_LIMIT: "1/1s" });
  });
  afterAll(() => app.close());

  it("waits out each 429's Retry-After and then succeeds", async () => {
    const { accountId, apiKey } = await app.newAccount();
    const observed = observedFetch();
    const hr = new Hookrelay({ baseUrl: app.baseUrl, apiKey, fetch: observed.fetch, retry: { maxAttempts: 5 } });
    const accepted = [];
    for (let n = 0; n < 4; n++) accepted.push(await hr.events.emit({ type: "message.created", data: { n } }));

    const limited = observed.sent.filter((s) => s.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(2);
    for (const refused of limited) {
      const next = observed.sent[observed.sent.indexOf(refused) + 1]!;
      expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
      // Timers may fire a millisecond early by Date.now's reckoning.
      expect(next.at - refused.at).toBeGreaterThanOrEqual(Number(refused.retryAfter) * 1_000 - 5);
    }
    expect(accepted.map((a) => a.idempotencyKey)).toHaveLength(4);
    expect(await app.container.db.event.count({ where: { accountId } })).toBe(4);
  }, 30_000);

  it("rejects with a RateLimitError carrying retryAfterSeconds when retries are off", async () => {
    const { apiKey } = await app.newAccount();
    const hr = new Hookrelay({ baseUrl: app.baseUrl, apiKey, retry: false });
    await hr.events.emit({ type: "message.created", data: {} });
    const err = await hr.events.emit({ type: "message.created", data: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err).toMatchObject({ status: 429, code: "rate_limited", retryAfterSeconds: expect.any(Number) });
    expect((err as RateLimitError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });
});
