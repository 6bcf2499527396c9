import { randomBytes } from "node:crypto";
import { ConfigError, loadConfig, loadDatabaseUrl } from "../../src/config";

const KEY_A = randomBytes(32);
const KEY_B = randomBytes(32);

const required = {
  DATABASE_URL: "postgresql://hookrelay@localhost:5432/hookrelay",
  REDIS_URL: "redis://localhost:6379",
  HOOKRELAY_ADMIN_KEY: "admin-key-of-24-characters",
  HOOKRELAY_ENCRYPTION_KEYS: `k1:${KEY_A.toString("base64")}`,
};

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("expected loadConfig to throw");
}

describe("loadConfig", () => {
  it("fills every optional setting with its default", () => {
    expect(loadConfig(required)).toEqual({
      env: "development",
      databaseUrl: required.DATABASE_URL,
      redisUrl: required.REDIS_URL,
      host: "127.0.0.1",
      port: 7780,
      logLevel: "info",
      adminKey: required.HOOKRELAY_ADMIN_KEY,
      encryptionKeys: [{ id: "k1", key: KEY_A }],
      allowHttpUrls: false,
      verifyTokenMinLength: 16,
      handshakeTimeoutMs: 5000,
      maxRequestBytes: 512 * 1024,
      queuePrefix: "hookrelay",
      workerConcurrency: 50,
      connectionsPerOrigin: 16,
      dbPoolSize: 10,
      failureWarningThreshold: 5,
      noticeFailingCooldownMs: 3_600_000,
      noticeExhaustedWindowMs: 60_000,
      maxEventBytes: 256 * 1024,
      maxBatchEvents: 100,
      maxBatchBytes: 4 * 1024 * 1024,
      retryScheduleMs: [0, 5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000, 57_600_000, 86_400_000],
      retryJitter: 0.2,
      retryAfterMaxMs: 3_600_000,
      deliveryTimeoutMs: 5_000,
      responseBodyMaxBytes: 64 * 1024,
      maxInFlightPerWebhook: 10,
      dispatchAhead: 50,
      disableAfterMs: 5 * 86_400_000,
      recoveryIntervalMs: 30_000,
      recoveryGraceMs: 30_000,
      retention: { retentionMs: 30 * 86_400_000, partitionWidthMs: 86_400_000, partitionsAhead: 3, intervalMs: 300_000, idempotencyKeyTtlMs: 86_400_000 },
      replay: { ratePerSec: 100, batchSize: 100, maxQueued: 1_000 },
      jobLockMs: 10_000,
      stalledIntervalMs: 2_000,
      maxStalledCount: 10,
      workerLivenessMs: 6_000,
      authCacheMs: 5_000,
      ingestLookupCacheMs: 1_000,
      // The egress guard is fully on: nothing allowlisted, no proxy.
      egressAllowCidrs: [],
      egressProxyUrl: undefined,
      egressCaCertificates: undefined,
      rateLimits: {
        api: { count: 100, periodMs: 1_000, burst: 100 },
        ingest: { count: 1_000, periodMs: 1_000, burst: 1_000 },
        admin: { count: 1_000, periodMs: 1_000, burst: 1_000 },
        accountApi: { count: 300, periodMs: 1_000, burst: 300 },
        accountIngest: { count: 3_000, periodMs: 1_000, burst: 3_000 },
      },
      rateLimitTimeoutMs: 50,
      portal: { sessionTtlMs: 12 * 3_600_000, linkTtlMs: 15 * 60_000, frameAncestors: [], publicUrl: undefined, dir: undefined },
      // Off: no listener, no account label.
      metrics: { port: null, host: "127.0.0.1", onApi: false, accountLabel: false },
      // Off: no OTLP endpoint (test/unit/tracing/tracing-config.test.ts has the rest).
      tracing: {
        exporter: null,
        serviceName: undefined,
        resourceAttributes: {},
        sampler: { name: "parentbased_always_on", ratio: 1 },
        batch: { scheduledDelayMs: 5_000, exportTimeoutMs: 30_000, maxQueueSize: 2_048, maxExportBatchSize: 512 },
        propagateToReceivers: false,
      },
    });
  });

  it("turns metrics on with a port (0: any free one), on the HOST unless told another", () => {
    expect(loadConfig({ ...required, HOOKRELAY_METRICS_PORT: "9464" }).metrics).toEqual({ port: 9464, host: "127.0.0.1", onApi: false, accountLabel: false });
    expect(loadConfig({ ...required, HOST: "0.0.0.0", HOOKRELAY_METRICS_PORT: "0" }).metrics).toMatchObject({ port: 0, host: "0.0.0.0" });
    expect(loadConfig({ ...required, HOOKRELAY_METRICS_HOST: "10.0.0.5", HOOKRELAY_METRICS_ON_API: "yes", HOOKRELAY_METRICS_ACCOUNT_LABEL: "true" }).metrics).toEqual({
      port: null,
      host: "10.0.0.5",
      onApi: true,
      accountLabel: true,
    });
    for (const bad of ["65536", "-1", "metrics"]) expect(configError({ ...required, HOOKRELAY_METRICS_PORT: bad }).message).toContain("HOOKRELAY_METRICS_PORT");
  });

  it("reads durations and retry schedules in human units", () => {
    const config = loadConfig({ ...required, HOOKRELAY_RETRY_SCHEDULE: "0, 100ms,2s", HOOKRELAY_DISABLE_AFTER: "1h", HOOKRELAY_RECOVERY_GRACE: "250" });
    expect(config).toMatchObject({ retryScheduleMs: [0, 100, 2_000], disableAfterMs: 3_600_000, recoveryGraceMs: 250 });
  });

  it.each([
    ["HOOKRELAY_RETRY_SCHEDULE", "0,soon"],
    ["HOOKRELAY_DISABLE_AFTER", "5 days"],
    ["HOOKRELAY_RETRY_AFTER_MAX", "-1s"],
  ])("refuses an unreadable duration in %s", (name, value) => {
    expect(configError({ ...required, [name]: value }).message).toContain(`  ${name}: must be`);
  });

  it("reads the origins allowed to frame the portal, and refuses what is not an origin", () => {
    const config = loadConfig({ ...required, HOOKRELAY_PORTAL_FRAME_ANCESTORS: "https://dash.example.com, http://localhost:5173/ https://a.example:8443" });
    expect(config.portal.frameAncestors).toEqual(["https://dash.example.com", "http://localhost:5173", "https://a.example:8443"]);
    for (const bad of ["dash.example.com", "https://dash.example.com/app", "*", "'self'", "ftp://x.example"]) {
      expect(configError({ ...required, HOOKRELAY_PORTAL_FRAME_ANCESTORS: bad }).message).toContain("HOOKRELAY_PORTAL_FRAME_ANCESTORS");
    }
    expect(loadConfig({ ...required, HOOKRELAY_PORTAL_URL: "https://hooks.example.com/" }).portal.publicUrl).toBe("https://hooks.example.com");
  });

  it("reads numbers from their string form", () => {
    const config = loadConfig({ ...required, PORT: "8080", HOOKRELAY_VERIFY_TOKEN_MIN_LENGTH: "32", HOOKRELAY_FAILURE_WARNING_THRESHOLD: "3" });
    expect(config).toMatchObject({ port: 8080, verifyTokenMinLength: 32, failureWarningThreshold: 3 });
  });

  it("names every missing required variable", () => {
    const err = configError({});
    for (const name of ["DATABASE_URL", "REDIS_URL", "HOOKRELAY_ADMIN_KEY", "HOOKRELAY_ENCRYPTION_KEYS"]) {
      expect(err.message).toContain(`  ${name}: `);
    }
    expect(err.name).toBe("ConfigError");
  });

  it("does not name variables that are fine", () => {
    const { REDIS_URL: _omitted, ...env } = required;
    const err = configError(env);
    expect(err.message).toContain("REDIS_URL");
    expect(err.message).not.toContain("DATABASE_URL");
    expect(err.message).not.toContain("HOOKRELAY_ENCRYPTION_KEYS");
  });

  it.each([
    ["DATABASE_URL", "mysql://localhost/db", "must be a postgres:// URL"],
    ["REDIS_URL", "http://localhost:6379", "must be a redis:// URL"],
    ["HOOKRELAY_ADMIN_KEY", "short", "must be at least 24 characters"],
  ])("refuses a malformed %s with its message", (name, value, message) => {
    expect(configError({ ...required, [name]: value }).message).toContain(`${name}: ${message}`);
  });

  it.each([
    ["PORT", "65536"],
    ["PORT", "http"],
    ["HOOKRELAY_VERIFY_TOKEN_MIN_LENGTH", "7"],
    ["HOOKRELAY_HANDSHAKE_TIMEOUT_MS", "99"],
    ["HOOKRELAY_WORKER_CONCURRENCY", "1.5"],
    ["HOOKRELAY_QUEUE_PREFIX", "has space"],
    ["LOG_LEVEL", "verbose"],
    ["NODE_ENV", "staging"],
    ["HOOKRELAY_PARTITION_WIDTH", "500ms"],
    ["HOOKRELAY_RETENTION", "12h"],
    ["HOOKRELAY_RETENTION", "forever"],
    ["HOOKRELAY_PARTITIONS_AHEAD", "0"],
    ["HOOKRELAY_RETENTION_INTERVAL", "10ms"],
  ])("refuses %s=%j", (name, value) => {
    expect(configError({ ...required, [name]: value }).message).toContain(`  ${name}: `);
  });

  describe("boolean settings", () => {
    it.each([
      ["true", true],
      ["1", true],
      ["yes", true],
      ["false", false],
      ["0", false],
      ["no", false],
    ])("read %j as %s", (raw, expected) => {
      expect(loadConfig({ ...required, HOOKRELAY_ALLOW_HTTP_URLS: raw }).allowHttpUrls).toBe(expected);
    });

    it.each(["TRUE", "on", "2"])("refuse %j", (raw) => {
      expect(configError({ ...required, HOOKRELAY_ALLOW_HTTP_URLS: raw }).message).toContain("HOOKRELAY_ALLOW_HTTP_URLS");
    });

    it("treat an empty value as unset, taking the default", () => {
      expect(loadConfig({ ...required, HOOKRELAY_ALLOW_HTTP_URLS: "" }).allowHttpUrls).toBe(false);
      expect(loadConfig({ ...required, PORT: "" }).port).toBe(7780);
    });
  });

  describe("encryption keys", () => {
    it("are parsed in the order given, ignoring blanks around them", () => {
      const raw = ` new:${KEY_B.toString("base64")} , old:${KEY_A.toString("base64")},`;
      expect(loadConfig({ ...required, HOOKRELAY_ENCRYPTION_KEYS: raw }).encryptionKeys).toEqual([
        { id: "new", key: KEY_B },
        { id: "old", key: KEY_A },
      ]);
    });

    it.each([
      ["a key of 31 bytes", `k1:${randomBytes(31).toString("base64")}`],
      ["a key of 33 bytes", `k1:${randomBytes(33).toString("base64")}`],
      ["a key without an id", `:${KEY_A.toString("base64")}`],
      ["a key without a colon", KEY_A.toString("base64")],
      ["an id with a dot", `k.1:${KEY_A.toString("base64")}`],
      ["an id longer than 16 characters", `${"k".repeat(17)}:${KEY_A.toString("base64")}`],
      ["one bad key among good ones", `k1:${KEY_A.toString("base64")},k2:short`],
      ["an empty value", ""],
    ])("refuse %s, naming the variable", (_what, raw) => {
      expect(configError({ ...required, HOOKRELAY_ENCRYPTION_KEYS: raw }).message).toContain("HOOKRELAY_ENCRYPTION_KEYS: ");
    });

    it("explain the expected format", () => {
      expect(configError({ ...required, HOOKRELAY_ENCRYPTION_KEYS: "k1:short" }).message).toContain(
        "each key must be <id>:<base64 of 32 bytes>",
      );
    });

    it("refuse two keys with the same id", () => {
      configError({ ...required, HOOKRELAY_ENCRYPTION_KEYS: `k1:${KEY_A.toString("base64")},k1:${KEY_B.toString("base64")}` });
    });

    it("refuse a value that holds no key at all", () => {
      configError({ ...required, HOOKRELAY_ENCRYPTION_KEYS: " , " });
    });
  });
});

describe("loadDatabaseUrl", () => {
  it("needs only DATABASE_URL", () => {
    expect(loadDatabaseUrl({ DATABASE_URL: required.DATABASE_URL })).toBe(required.DATABASE_URL);
  });

  it("refuses a missing or malformed DATABASE_URL with a ConfigError naming it", () => {
    expect(() => loadDatabaseUrl({})).toThrow(ConfigError);
    expect(() => loadDatabaseUrl({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL: must be a postgres:\/\/ URL/);
  });
});
