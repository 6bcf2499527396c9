import { createAuthCache } from "../../src/accounts/auth-cache";

describe("the auth cache", () => {
  const found = (keyId: string) => ({ accountId: "acc_1", keyId, keyName: "default", scopes: ["*"] });

  it("answers until the entry's own end, then forgets it", () => {
    const cache = createAuthCache();
    cache.set("h1", found("key_1"), 1_000);
    expect(cache.get("h1", 999)).toEqual(found("key_1"));
    expect(cache.get("h1", 1_000)).toBeNull();
    // Gone for good, not only hidden: a later lookup at an earlier time finds nothing either.
    expect(cache.get("h1", 0)).toBeNull();
  });

  it("drops a key by its id, which is all a revocation names, and leaves the others", () => {
    const cache = createAuthCache();
    cache.set("h1", found("key_1"), 10_000);
    cache.set("h2", found("key_2"), 10_000);
    cache.forgetKey("key_1");
    cache.forgetKey("key_unknown");
    expect(cache.get("h1", 0)).toBeNull();
    expect(cache.get("h2", 0)).toEqual(found("key_2"));
    cache.clear();
    expect(cache.get("h2", 0)).toBeNull();
  });

  it("holds at most its bound, the oldest going first", () => {
    const cache = createAuthCache(2);
    for (const n of [1, 2, 3]) cache.set(`h${n}`, found(`key_${n}`), 10_000);
    expect([1, 2, 3].map((n) => cache.get(`h${n}`, 0)?.keyId ?? null)).toEqual([null, "key_2", "key_3"]);
  });
});
