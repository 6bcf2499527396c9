import { Client } from "pg";
import { Hookrelay } from "../../packages/client/src";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { requireEnv } from "../support/env";
import { aReceiver, DEFAULT_TOKEN } from "../support/factories";
import { startTcpProxy, targetOf, type TcpProxy } from "../support/tcp-proxy";

/**
 * Emits across a Redis blip and a Postgres blip. Postgres and Redis are shared with the other
 * test files, so they stay up: this file's app reaches them through proxies of its own, and the
 * test cuts those. What must hold: every event the SDK was asked to emit is stored exactly
 * once, however many attempts it took, because its idempotency key was made once, before the
 * first attempt; and the SDK did have to try again.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Attempt {
  path: string;
  /** The status, or "failed" when no answer came (a reset, the SDK's timeout). */
  outcome: number | "failed";
  replayed: boolean;
  key: string | null;
}

function observedFetch() {
  const attempts: Attempt[] = [];
  const fetchFn: typeof fetch = async (input, init) => {
    const path = new URL(String(input)).pathname;
    const key = typeof init?.body === "object" && init.body ? (JSON.parse(new TextDecoder().decode(init.body as ArrayBuffer)) as { idempotencyKey?: string }).idempotencyKey ?? null : null;
    try {
      const res = await fetch(input, init);
      attempts.push({ path, outcome: res.status, replayed: res.headers.get("idempotent-replayed") === "true", key });
      return res;
    } catch (err) {
      attempts.push({ path, outcome: "failed", replayed: false, key });
      throw err;
    }
  };
  return { fetch: fetchFn, attempts };
}

describe("emitting across blips of Postgres and Redis", () => {
  let pg: TcpProxy;
  let redis: TcpProxy;
  let app: TestApp;
  let accountId: string;
  let apiKey: string;

  beforeAll(async () => {
    pg = await startTcpProxy(targetOf(requireEnv("DATABASE_URL"), 5432));
    redis = await startTcpProxy(targetOf(requireEnv("REDIS_URL"), 6379));
    app = await startTestApp({ REDIS_URL: redis.url(requireEnv("REDIS_URL")) }, { databaseUrl: (url) => pg.url(url) });
  });
  beforeEach(async () => {
    ({ accountId, apiKey } = await app.newAccount());
    // A subscriber, so that each emit also has deliveries to hand to Redis.
    const receiver = await aReceiver(app);
    const created = await app.call("POST", "/v1/webhooks", { key: apiKey, body: { url: receiver.url, verifyToken: DEFAULT_TOKEN, eventTypes: ["message.created"] } });
    expect(created.status).toBe(201);
  });
  afterEach(() => {
    pg.restore();
    redis.restore();
  });
  afterAll(async () => {
    await app.close();
    await Promise.all([pg.close(), redis.close()]);
  });

  /** Rows in `events` for the account, read over a direct connection (not the app's proxy). */
  async function storedEvents(): Promise<{ rows: number; keys: number }> {
    const client = new Client({ connectionString: app.db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ rows: number; keys: number }>(
        "SELECT count(*)::int AS rows, count(DISTINCT idempotency_key)::int AS keys FROM events WHERE account_id = $1",
        [accountId],
      );
      return rows[0]!;
    } finally {
      await client.end();
    }
  }

  const emitMany = (hr: Hookrelay, blip: string, count: number) =>
    Promise.all(Array.from({ length: count }, (_, n) => hr.events.emit({ type: "message.created", data: { blip, n } })));

  it("stores each event once across a Postgres blip, retrying the 503s with the same key", async () => {
    const observed = observedFetch();
    const hr = new Hookrelay({ baseUrl: app.baseUrl, apiKey, fetch: observed.fetch, retry: { maxAttempts: 30, baseDelayMs: 100, maxDelayMs: 400 } });
    await hr.events.emit({ type: "message.created", data: { before: true } });

    pg.cut();
    const pending = emitMany(hr, "postgres", 6);
    await sleep(1_500);
    pg.restore();
    const accepted = await pending;

    const failed = observed.attempts.filter((a) => a.outcome !== 202);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((a) => a.outcome === 503)).toBe(true);
    // Every retry of an event carried the key its first attempt had.
    const keysPerEvent = new Set(observed.attempts.map((a) => a.key));
    expect(keysPerEvent.size).toBe(7);
    expect(new Set(accepted.map((a) => a.id)).size).toBe(6);
    expect(await storedEvents()).toEqual({ rows: 7, keys: 7 });

    // A replay returns the first answer, and says it is one.
    const first = accepted[0]!;
    const replay = await hr.events.emit({ type: "message.created", data: { blip: "postgres", n: 0 }, idempotencyKey: first.idempotencyKey! });
    expect(replay).toEqual(first);
    expect(observed.attempts[observed.attempts.length - 1]).toMatchObject({ outcome: 202, replayed: true });
    expect(await storedEvents()).toEqual({ rows: 7, keys: 7 });
  }, 30_000);

  it("keeps emitting while Redis is away: the API accepts, each event is stored once", async () => {
    const observed = observedFetch();
    const hr = new Hookrelay({ baseUrl: app.baseUrl, apiKey, fetch: observed.fetch, retry: { maxAttempts: 30, baseDelayMs: 100, maxDelayMs: 400 } });
    await hr.events.emit({ type: "message.created", data: { before: true } });

    redis.cut();
    const accepted = await emitMany(hr, "redis-cut", 6);
    redis.restore();

    expect(new Set(accepted.map((a) => a.id)).size).toBe(6);
    expect(new Set(observed.attempts.map((a) => a.key)).size).toBe(7);
    expect(await storedEvents()).toEqual({ rows: 7, keys: 7 });
  }, 30_000);

  it("stores each event once across a hung Redis link, where answers come too late and the SDK tries again", async () => {
    const observed = observedFetch();
    // With the link hung (no reset: ioredis still thinks it is connected) each new event's answer
    // waits out the API's 2 s bound on handing its deliveries to the scheduler. The SDK gives up
    // on it after 1 s and tries again with the same key: the event is stored by then, so the
    // retry gets the first answer (the replay path does not wait for Redis).
    const hr = new Hookrelay({ baseUrl: app.baseUrl, apiKey, fetch: observed.fetch, timeoutMs: 1_000, retry: { maxAttempts: 30, baseDelayMs: 100, maxDelayMs: 400 } });
    await eventually(async () => app.container.redis.status === "ready", "the app's Redis connection to be back");
    await hr.events.emit({ type: "message.created", data: { before: true } });

    redis.hang();
    const accepted = await emitMany(hr, "redis-hang", 6);
    redis.restore();

    const timedOut = observed.attempts.filter((a) => a.outcome === "failed");
    expect(timedOut.length).toBeGreaterThanOrEqual(6);
    expect(observed.attempts.filter((a) => a.replayed).length).toBeGreaterThanOrEqual(6);
    expect(new Set(observed.attempts.map((a) => a.key)).size).toBe(7);
    expect(new Set(accepted.map((a) => a.id)).size).toBe(6);
    expect(await storedEvents()).toEqual({ rows: 7, keys: 7 });
  }, 30_000);
});
