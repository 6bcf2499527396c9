import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { startTestApp, type TestApp, type TestResponse } from "../support/app";
import { requireEnv } from "../support/env";
import { captureLogs } from "../support/log-capture";
import { operationsOf } from "../support/openapi-walk";
import { closedPort } from "../support/receivers";

/**
 * Per-key limits, counted in the suite's real Redis under this file's own prefix. Windows are
 * long (10 s) where a test must not see the bucket refill mid-way, short where it must.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rateHeaders = (res: TestResponse) => ({
  limit: res.headers.get("ratelimit-limit"),
  remaining: res.headers.get("ratelimit-remaining"),
  reset: res.headers.get("ratelimit-reset"),
  policy: res.headers.get("ratelimit-policy"),
  retryAfter: res.headers.get("retry-after"),
});

/** Accounts and keys made through the service, so that setup spends nothing from the admin's bucket. */
async function accountWithKeys(app: TestApp, name: string) {
  const { account, key } = await app.container.accounts.create(name);
  const second = await app.container.accounts.createKey(account.id, "second");
  return { accountId: account.id, key: key.apiKey, secondKey: second.apiKey };
}

describe("per-key rate limits", () => {
  let app: TestApp;
  let a: Awaited<ReturnType<typeof accountWithKeys>>;
  let b: Awaited<ReturnType<typeof accountWithKeys>>;

  beforeAll(async () => {
    app = await startTestApp({
      HOOKRELAY_RATE_LIMIT: "3/10s",
      HOOKRELAY_INGEST_RATE_LIMIT: "2/10s",
      HOOKRELAY_ADMIN_RATE_LIMIT: "2/10s",
    });
    a = await accountWithKeys(app, "A");
    b = await accountWithKeys(app, "B");
  });
  afterAll(() => app.close());

  it("counts down on every answer, then refuses with 429, Retry-After and the one error format", async () => {
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await app.call("GET", "/v1/webhooks", { key: a.key }));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(answers.map((r) => rateHeaders(r).remaining)).toEqual(["2", "1", "0"]);
    expect(rateHeaders(answers[0]!)).toMatchObject({ limit: "3", policy: "3;w=10", retryAfter: null });
    expect(Number(rateHeaders(answers[2]!).reset)).toBeGreaterThanOrEqual(9);

    const refused = await app.call("GET", "/v1/webhooks", { key: a.key });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      error: { code: "rate_limited", message: expect.stringMatching(/retry in \d+ s/), details: { retryAfterSeconds: expect.any(Number), limit: 3, limitedBy: "key" } },
    });
    const retryAfter = Number(rateHeaders(refused).retryAfter);
    // One request is freed every 10/3 s: the wait is that, rounded up to whole seconds.
    expect(retryAfter).toBeGreaterThanOrEqual(3);
    expect(retryAfter).toBeLessThanOrEqual(4);
    expect(refused.body.error.details.retryAfterSeconds).toBe(retryAfter);
    expect(rateHeaders(refused)).toMatchObject({ limit: "3", remaining: "0" });
  });

  it("refuses before reading the body or running the handler", async () => {
    const res = await app.call("POST", "/v1/event-types", { key: a.key, rawBody: "{not json", headers: { "content-type": "application/json" } });
    expect(res.status).toBe(429);
    expect(await app.container.db.eventType.count({ where: { accountId: a.accountId } })).toBe(0);
  });

  it("keeps each key's bucket to itself: another key of the same account, and another account, are unaffected", async () => {
    const same = await app.call("GET", "/v1/webhooks", { key: a.secondKey });
    expect(same.status).toBe(200);
    expect(rateHeaders(same).remaining).toBe("2");
    const other = await app.call("GET", "/v1/webhooks", { key: b.key });
    expect(other.status).toBe(200);
    expect(rateHeaders(other).remaining).toBe("2");
  });

  it("gives ingestion its own bucket, where a batch counts as one request", async () => {
    // A's general bucket is empty (the first test); ingestion is not.
    const batch = await app.call("POST", "/v1/events/batch", {
      key: a.key,
      body: { events: Array.from({ length: 10 }, (_, i) => ({ type: "message.created", data: { i } })) },
    });
    expect(batch.status).toBe(202);
    expect(rateHeaders(batch)).toMatchObject({ limit: "2", remaining: "1" });
    expect((await app.call("POST", "/v1/events", { key: a.key, body: { type: "message.created", data: {} } })).status).toBe(202);
    const refused = await app.call("POST", "/v1/events", { key: a.key, body: { type: "message.created", data: {} } });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("rate_limited");
  });

  it("limits the admin key in a bucket of its own", async () => {
    const calls = [];
    for (let i = 0; i < 3; i++) calls.push(await app.call("POST", "/v1/accounts", { key: app.adminKey, body: { name: `n${i}` } }));
    expect(calls.map((r) => r.status)).toEqual([201, 201, 429]);
    expect(await app.container.db.account.count({ where: { name: "n2" } })).toBe(0);
    expect((await app.call("GET", "/v1/event-types", { key: b.secondKey })).status).toBe(200);
  });

  it("does not count requests without a valid key, and sends them no limit headers", async () => {
    for (let i = 0; i < 5; i++) {
      const res = await app.call("GET", "/v1/webhooks", { key: "hr_AAAAAAAAAAAA_" + "A".repeat(43) });
      expect(res.status).toBe(401);
      expect(rateHeaders(res).limit).toBeNull();
    }
    expect((await app.call("GET", "/healthz")).headers.get("ratelimit-limit")).toBeNull();
  });

  it("keeps its counters in Redis under the deployment's prefix, each expiring on its own", async () => {
    const redis = app.container.redis;
    const keys = await redis.keys(`${app.container.config.queuePrefix}:ratelimit:*`);
    expect(keys.length).toBeGreaterThanOrEqual(4);
    for (const key of keys) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(10_000);
    }
  });

  it("documents 429, Retry-After and the RateLimit headers on every route that takes a key", async () => {
    const doc = (await app.call("GET", "/openapi.json")).body;
    for (const op of operationsOf(doc)) {
      const responses = doc.paths[op.path][op.method].responses;
      if (!op.secured) {
        expect({ op: op.label, has429: "429" in responses }).toEqual({ op: op.label, has429: false });
        continue;
      }
      expect({ op: op.label, retryAfter: Object.keys(responses["429"]?.headers ?? {}) }).toEqual({ op: op.label, retryAfter: expect.arrayContaining(["Retry-After", "RateLimit-Reset"]) });
      const success = Object.keys(responses).find((s) => s.startsWith("2"))!;
      expect(Object.keys(responses[success].headers ?? {})).toEqual(expect.arrayContaining(["RateLimit-Limit", "RateLimit-Remaining"]));
    }
  });
});

describe("a short window", () => {
  let app: TestApp;
  beforeAll(async () => {
    // Seconds, not milliseconds: the three quick calls below must land within one refill however
    // loaded the machine (at 2/600ms a slow third call found the bucket refilled).
    app = await startTestApp({ HOOKRELAY_RATE_LIMIT: "2/3s" });
  });
  afterAll(() => app.close());

  it("lets the key in again once the bucket has refilled", async () => {
    const { key } = await accountWithKeys(app, "short");
    const first = [await app.call("GET", "/v1/webhooks", { key }), await app.call("GET", "/v1/webhooks", { key }), await app.call("GET", "/v1/webhooks", { key })];
    expect(first.map((r) => r.status)).toEqual([200, 200, 429]);
    // One request is freed every 1.5 s; Retry-After rounds that up to whole seconds.
    expect(rateHeaders(first[2]!).retryAfter).toBe("2");
    await sleep(1_600);
    expect((await app.call("GET", "/v1/webhooks", { key })).status).toBe(200);
    expect((await app.call("GET", "/v1/webhooks", { key })).status).toBe(429);
    await sleep(3_100);
    const refilled = await app.call("GET", "/v1/webhooks", { key });
    expect(refilled.status).toBe(200);
    expect(rateHeaders(refilled).remaining).toBe("1");
  });
});

describe("when Redis is unreachable", () => {
  it("lets every request through, ingestion included, without delay, and warns once", async () => {
    const logs = captureLogs("warn");
    const app = await startTestApp(
      { REDIS_URL: `redis://127.0.0.1:${await closedPort()}`, HOOKRELAY_RATE_LIMIT: "1/10s", HOOKRELAY_INGEST_RATE_LIMIT: "1/10s" },
      { logger: logs.logger },
    );
    try {
      const { key } = await accountWithKeys(app, "no redis");
      for (let i = 0; i < 5; i++) {
        const started = Date.now();
        const list = await app.call("GET", "/v1/webhooks", { key });
        expect(list.status).toBe(200);
        expect(Date.now() - started).toBeLessThan(500);
        expect(rateHeaders(list).limit).toBeNull();
        const emitted = await app.call("POST", "/v1/events", { key, body: { type: "message.created", data: { i } } });
        expect(emitted.status).toBe(202);
      }
      const warnings = logs.atLeast(40).filter((l) => l.msg === "rate limiter unavailable: letting requests through uncounted");
      expect(warnings).toHaveLength(1);
    } finally {
      await app.close();
    }
  });
});

/** A TCP relay to the real Redis that can stop relaying while keeping the connection open. */
async function startFreezableRelay(target: URL): Promise<{ url: string; freeze(): void; thaw(): void; close(): Promise<void> }> {
  let frozen = false;
  const held: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const relay = (from: Socket, to: Socket) =>
    from.on("data", (chunk) => (frozen ? held.push(() => to.write(chunk)) : to.write(chunk)));
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => (client.destroy(), upstream.destroy()));
    }
    relay(client, upstream);
    relay(upstream, client);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    freeze: () => void (frozen = true),
    thaw() {
      frozen = false;
      for (const flush of held.splice(0)) flush();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("when Redis stops answering mid-connection", () => {
  it("waits at most the configured timeout, then lets the request through uncounted", async () => {
    const relay = await startFreezableRelay(new URL(requireEnv("REDIS_URL")));
    const app = await startTestApp({ REDIS_URL: relay.url, HOOKRELAY_RATE_LIMIT: "1/10s", HOOKRELAY_RATE_LIMIT_TIMEOUT_MS: "150" });
    try {
      const { key } = await accountWithKeys(app, "hanging redis");
      const counted = await app.call("GET", "/v1/webhooks", { key });
      expect(rateHeaders(counted)).toMatchObject({ limit: "1", remaining: "0" });
      expect((await app.call("GET", "/v1/webhooks", { key })).status).toBe(429);

      relay.freeze();
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        const res = await app.call("GET", "/v1/webhooks", { key });
        const elapsed = Date.now() - started;
        expect(res.status).toBe(200);
        expect(rateHeaders(res).limit).toBeNull();
        expect(elapsed).toBeGreaterThanOrEqual(140);
        expect(elapsed).toBeLessThan(1_000);
      }
      relay.thaw();
      expect((await app.call("GET", "/v1/webhooks", { key })).status).toBe(429);
    } finally {
      relay.thaw();
      await app.close();
      await relay.close();
    }
  });
});
