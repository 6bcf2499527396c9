import { bindingDecision, bucketsFor, type RateDecision, type RateRules } from "../../src/rate-limit/policy";

describe("per-account buckets", () => {
  const rule = (count: number) => ({ count, periodMs: 1_000, burst: count });
  const rules: RateRules = { api: rule(10), ingest: rule(100), admin: rule(5), accountApi: rule(30), accountIngest: null };
  const key = { kind: "account", keyId: "key_1", accountId: "acc_1" } as const;

  it("draws an account key's request from its key's bucket and its account's, named apart", () => {
    expect(bucketsFor(key, "api", rules)).toEqual([
      { key: "key:key_1:api", rule: rule(10), limitedBy: "key" },
      { key: "account:acc_1:api", rule: rule(30), limitedBy: "account" },
    ]);
    // No account-wide rule for ingestion here: the key's bucket alone.
    expect(bucketsFor(key, "ingest", rules)).toEqual([{ key: "key:key_1:ingest", rule: rule(100), limitedBy: "key" }]);
    expect(bucketsFor(key, "api", { ...rules, api: null })).toEqual([{ key: "account:acc_1:api", rule: rule(30), limitedBy: "account" }]);
  });

  it("leaves the admin and portal sessions to their own buckets", () => {
    expect(bucketsFor({ kind: "admin" }, "api", rules)).toEqual([{ key: "admin", rule: rule(5), limitedBy: "admin" }]);
    expect(bucketsFor({ kind: "portal", accountId: "acc_1" }, "api", rules)).toEqual([{ key: "portal:acc_1:api", rule: rule(10), limitedBy: "portal" }]);
  });
});

describe("bindingDecision", () => {
  const buckets = [{ key: "k" }, { key: "a" }].map((b) => ({ ...b, rule: { count: 1, periodMs: 1, burst: 1 } }));
  const allowed = (remaining: number): RateDecision => ({ kind: "allowed", remaining, resetMs: 1 });
  const limited = (retryAfterMs: number): RateDecision => ({ kind: "limited", retryAfterMs, resetMs: 1 });

  it("shows the bucket with the least left while both allow", () => {
    expect(bindingDecision(buckets, [allowed(5), allowed(2)])?.bucket.key).toBe("a");
    expect(bindingDecision(buckets, [allowed(2), allowed(5)])?.bucket.key).toBe("k");
    expect(bindingDecision(buckets, [allowed(3), allowed(3)])?.bucket.key).toBe("k");
  });

  it("shows a refusing bucket over any that allows, and of two refusing the longer wait", () => {
    expect(bindingDecision(buckets, [allowed(0), limited(10)])).toEqual({ bucket: buckets[1], decision: limited(10) });
    expect(bindingDecision(buckets, [limited(900), limited(100)])?.bucket.key).toBe("k");
    expect(bindingDecision(buckets, [limited(100), limited(900)])?.bucket.key).toBe("a");
    expect(bindingDecision([], [])).toBeNull();
  });
});
