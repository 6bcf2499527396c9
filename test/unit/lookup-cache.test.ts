import { createLookupCache } from "../../src/events/lookup-cache";

const found = (ids: string[]) => ({ unknownTypes: [], webhooks: ids.map((id) => ({ id, eventTypes: ["a"] })) });

describe("the ingestion lookup cache", () => {
  it("answers for the same account and types, in any order, until the account's TTL has passed", () => {
    const cache = createLookupCache(1_000);
    cache.set("acc1", ["a", "b"], found(["w1"]), 0);
    expect(cache.get("acc1", ["b", "a"], 999)).toEqual(found(["w1"]));
    expect(cache.get("acc2", ["a", "b"], 999)).toBeUndefined();
    expect(cache.get("acc1", ["a"], 999)).toBeUndefined();
    expect(cache.get("acc1", ["a", "b"], 1_000)).toBeUndefined();
  });

  it("keeps one deadline per account: a later combination does not extend an earlier one", () => {
    const cache = createLookupCache(1_000);
    cache.set("acc1", ["a"], found(["w1"]), 0);
    cache.set("acc1", ["b"], found(["w2"]), 900);
    expect(cache.get("acc1", ["b"], 999)).toEqual(found(["w2"]));
    expect(cache.get("acc1", ["b"], 1_000)).toBeUndefined();
  });

  it("forgets an account on demand", () => {
    const cache = createLookupCache(1_000);
    cache.set("acc1", ["a"], found(["w1"]), 0);
    cache.forget("acc1");
    expect(cache.get("acc1", ["a"], 1)).toBeUndefined();
  });

  it("never keeps an answer naming unknown types, nor anything with a TTL of 0", () => {
    const cache = createLookupCache(1_000);
    cache.set("acc1", ["a", "zzz"], { unknownTypes: ["zzz"], webhooks: [] }, 0);
    expect(cache.get("acc1", ["a", "zzz"], 1)).toBeUndefined();
    const off = createLookupCache(0);
    off.set("acc1", ["a"], found(["w1"]), 0);
    expect(off.get("acc1", ["a"], 0)).toBeUndefined();
  });
});
