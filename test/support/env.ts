import { loadConfig, type Config } from "../../src/config";

/**
 * Database names of this jest run. Global setup picks the run id and hands it to the test
 * workers through the environment, so two runs on one server never touch each other's.
 */
export function runId(): string {
  const id = process.env.HOOKRELAY_TEST_RUN_ID;
  if (!id) throw new Error("HOOKRELAY_TEST_RUN_ID is not set: global setup did not run");
  return id;
}
export const templateDb = () => `hookrelay_t${runId()}_template`;
export const testDbPrefix = () => `hookrelay_t${runId()}_`;

export function requireEnv(name: "DATABASE_URL" | "REDIS_URL"): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the suite with \`npm test\`, which starts throwaway Postgres and Redis`);
  }
  return value;
}

/** The same URL pointing at another database on the same server. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A full config as the API would load it, for a given test database. */
export function testConfig(databaseUrl: string, overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: databaseUrl,
    REDIS_URL: requireEnv("REDIS_URL"),
    LOG_LEVEL: "silent",
    HOOKRELAY_ADMIN_KEY: "hr_admin_test_0123456789abcdefghij",
    HOOKRELAY_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString("base64")}`,
    HOOKRELAY_ALLOW_HTTP_URLS: "true",
    // Receivers in tests listen on loopback, which the egress guard refuses by default. Tests
    // of the guard itself pass "" to get the production default.
    HOOKRELAY_EGRESS_ALLOW_CIDRS: "127.0.0.0/8,::1/128",
    // Limits stay on, so every test goes through the limiter, but far above what tests send;
    // test/integration/rate-limit.test.ts sets small ones.
    HOOKRELAY_RATE_LIMIT: "100000/s",
    HOOKRELAY_INGEST_RATE_LIMIT: "100000/s",
    HOOKRELAY_ADMIN_RATE_LIMIT: "100000/s",
    HOOKRELAY_ACCOUNT_RATE_LIMIT: "100000/s",
    HOOKRELAY_ACCOUNT_INGEST_RATE_LIMIT: "100000/s",
    ...overrides,
  });
}
