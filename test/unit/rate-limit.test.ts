import { loadConfig } from "../../src/config";
import { createLogger } from "../../src/lib/logger";
import { createAdmission } from "../../src/rate-limit/admission";
import { bucketFor, parseRateRule, rateLimitHeaders, type RateRules } from "../../src/rate-limit/policy";

describe("parseRateRule", () => {
  it.each([
    ["100/s", { count: 100, periodMs: 1_000, burst: 100 }],
    ["6000/1m", { count: 6_000, periodMs: 60_000, burst: 6_000 }],
    ["20/500ms", { count: 20, periodMs: 500, burst: 20 }],
    ["100/s,burst=300", { count: 100, periodMs: 1_000, burst: 300 }],
    [" 5 / 10s , burst = 1 ", { count: 5, periodMs: 10_000, burst: 1 }],
    ["1/1h", { count: 1, periodMs: 3_600_000, burst: 1 }],
  ])("reads %j", (text, rule) => {
    expect(parseRateRule(text)).toEqual(rule);
  });

  it("reads off as no limit", () => {
    expect(parseRateRule("OFF")).toBeNull();
  });

  it.each(["", "100", "100/", "0/s", "100/0s", "100/d", "-1/s", "1.5/s", "100/s,burst=0", "100/s,burst=x", "9999999/s"])("refuses %j", (text) => {
    expect(parseRateRule(text)).toEqual({ error: expect.stringContaining("100/s") });
  });

  it("makes a bad setting fail start-up, naming the variable", () => {
    const base = { DATABASE_URL: "postgres://x/y", REDIS_URL: "redis://x", HOOKRELAY_ADMIN_KEY: "a".repeat(24), HOOKRELAY_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32).toString("base64")}` };
    expect(() => loadConfig({ ...base, HOOKRELAY_INGEST_RATE_LIMIT: "lots" })).toThrow(/HOOKRELAY_INGEST_RATE_LIMIT: must be/);
    expect(loadConfig(base).rateLimits).toEqual({
      api: { count: 100, periodMs: 1_000, burst: 100 },
      ingest: { count: 1_000, periodMs: 1_000, burst: 1_000 },
      admin: { count: 1_000, periodMs: 1_000, burst: 1_000 },
      accountApi: { count: 300, periodMs: 1_000, burst: 300 },
      accountIngest: { count: 3_000, periodMs: 1_000, burst: 3_000 },
    });
    expect(loadConfig({ ...base, HOOKRELAY_RATE_LIMIT: "off" }).rateLimits.api).toBeNull();
  });
});

describe("bucketFor", () => {
  const rules: RateRules = {
    api: { count: 1, periodMs: 1_000, burst: 1 },
    ingest: { count: 2, periodMs: 1_000, burst: 2 },
    admin: null,
  };

  it("gives each key one bucket per class, and the admin none when its limit is off", () => {
    expect(bucketFor({ kind: "account", keyId: "key_1" }, "api", rules)).toEqual({ key: "key:key_1:api", rule: rules.api });
    expect(bucketFor({ kind: "account", keyId: "key_1" }, "ingest", rules)).toEqual({ key: "key:key_1:ingest", rule: rules.ingest });
    expect(bucketFor({ kind: "admin" }, "ingest", rules)).toBeNull();
    expect(bucketFor({ kind: "admin" }, "api", { ...rules, admin: rules.api })).toEqual({ key: "admin", rule: rules.api });
  });
});

describe("rateLimitHeaders", () => {
  const rule = { count: 100, periodMs: 1_000, burst: 300 };

  it("states the bucket, what is left and when it is full again, in whole seconds rounded up", () => {
    expect(rateLimitHeaders(rule, { kind: "allowed", remaining: 299, resetMs: 10 })).toEqual({
      "RateLimit-Limit": "300",
      "RateLimit-Remaining": "299",
      "RateLimit-Reset": "1",
      "RateLimit-Policy": "300;w=3",
    });
  });

  it("adds Retry-After, at least one second, when refusing", () => {
    expect(rateLimitHeaders(rule, { kind: "limited", retryAfterMs: 4, resetMs: 2_999 })).toMatchObject({
      "RateLimit-Remaining": "0",
      "RateLimit-Reset": "3",
      "Retry-After": "1",
    });
    expect(rateLimitHeaders(rule, { kind: "limited", retryAfterMs: 1_001, resetMs: 3_000 })["Retry-After"]).toBe("2");
  });

  it("invents nothing when the limiter could not count", () => {
    expect(rateLimitHeaders(rule, { kind: "unavailable", reason: "down" })).toEqual({});
  });
});

describe("admission", () => {
  const rules: RateRules = { api: { count: 1, periodMs: 1_000, burst: 1 }, ingest: null, admin: null };
  const lines: string[] = [];
  const logger = createLogger("warn", "test", { write: (l: string) => void lines.push(l) });

  it("refuses with a 429 AppError carrying the wait, and lets unlimited and anonymous callers through untouched", async () => {
    let asked = 0;
    const admit = createAdmission({
      limiter: async () => (asked++, { kind: "counted", decisions: [{ kind: "limited", retryAfterMs: 2_500, resetMs: 2_500 }] }),
      rules,
      logger,
    });
    const refused = await admit({ kind: "account", keyId: "key_1", accountId: "acc_1" }, "api");
    expect(refused.refusal).toMatchObject({ status: 429, code: "rate_limited", details: { retryAfterSeconds: 3, limit: 1, limitedBy: "key" } });
    expect(refused.headers["Retry-After"]).toBe("3");
    expect(await admit({ kind: "account", keyId: "key_1", accountId: "acc_1" }, "ingest")).toEqual({ headers: {}, refusal: null });
    expect(await admit({ kind: "anonymous" }, "api")).toEqual({ headers: {}, refusal: null });
    expect(asked).toBe(1);
  });

  it("fails open while the limiter is unavailable, warning once per interval", async () => {
    lines.length = 0;
    let clock = 0;
    const unavailable = { kind: "unavailable", reason: "redis is reconnecting" } as const;
    const admit = createAdmission({ limiter: async () => unavailable, rules, logger, now: () => clock, warnEveryMs: 1_000 });
    for (let i = 0; i < 5; i++) expect(await admit({ kind: "account", keyId: "key_1", accountId: "acc_1" }, "api")).toEqual({ headers: {}, refusal: null });
    clock = 1_000;
    await admit({ kind: "account", keyId: "key_1", accountId: "acc_1" }, "api");
    expect(lines.map((l) => JSON.parse(l).reason)).toEqual(["redis is reconnecting", "redis is reconnecting"]);
  });
});
