import type { Server } from "node:http";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { buildContainer, type Container, type ContainerOverrides } from "../../src/container";
import { listen } from "../../src/http/server";
import { createTestDatabase, type TestDatabase } from "./database";
import { testConfig } from "./env";

export interface TestApp {
  baseUrl: string;
  container: Container;
  adminKey: string;
  db: TestDatabase;
  /** A request with JSON in and out; `key` goes in the Authorization header. */
  call(method: string, path: string, opts?: { key?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<TestResponse>;
  /** Runs `fn` when the app closes (receivers a test started, say). */
  onClose(fn: () => Promise<void>): void;
  /** A new account and its API key, made through the admin API. */
  newAccount(name?: string): Promise<{ accountId: string; apiKey: string }>;
  close(): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  // Tests look into bodies freely; each assertion states the shape it expects.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/**
 * The real app on port 0 against its own database and the suite's Redis, under a BullMQ prefix
 * of its own. With `worker: true` it also consumes deliveries, in-process. `databaseUrl` maps
 * the new database's URL to the one the app connects with (a proxy of the test's own, say);
 * `app.db` keeps the direct one.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  overrides: ContainerOverrides & { worker?: boolean; databaseUrl?: (url: string) => string } = {},
): Promise<TestApp> {
  const db = await createTestDatabase();
  const appDbUrl = overrides.databaseUrl ? overrides.databaseUrl(db.url) : db.url;
  const config = testConfig(appDbUrl, { HOOKRELAY_QUEUE_PREFIX: `hrtest-${randomBytes(5).toString("hex")}`, ...env });
  const container = buildContainer(config, overrides);
  await container.ensurePartitions();
  const server: Server = await listen(container.createApp(), 0, "127.0.0.1");
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  if (overrides.worker) await container.startWorker();

  const call: TestApp["call"] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.key) headers.authorization = `Bearer ${opts.key}`;
    let body: string | undefined = opts.rawBody;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if (res.headers.get("content-type")?.includes("json")) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed };
  };

  const closers: (() => Promise<void>)[] = [];
  return {
    onClose: (fn) => void closers.push(fn),
    baseUrl,
    container,
    adminKey: config.adminKey,
    db,
    call,
    async newAccount(name = "Test account") {
      const res = await call("POST", "/v1/accounts", { key: config.adminKey, body: { name } });
      if (res.status !== 201) throw new Error(`account creation failed: ${res.status} ${JSON.stringify(res.body)}`);
      return { accountId: res.body.account.id, apiKey: res.body.apiKey.apiKey };
    },
    async close() {
      await Promise.allSettled(closers.map((c) => c()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (container.redis.status === "ready") {
        await container.queue.obliterate({ force: true }).catch(() => undefined);
        const leftovers = await container.redis.keys(`${config.queuePrefix}:*`).catch(() => []);
        if (leftovers.length > 0) await container.redis.del(...leftovers).catch(() => undefined);
      }
      await container.close();
      await db.drop();
    },
  };
}

/** Polls `probe` until it returns something truthy; fails with `what` after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
