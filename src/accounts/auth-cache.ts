import { BoundedMap } from "../lib/bounded-map";

/** What a key that authenticated resolves to (src/http/auth.ts's account principal). */
export interface Authenticated {
  accountId: string;
  keyId: string;
  keyName: string;
  scopes: string[];
}

/** Keys remembered at most; beyond that the oldest goes first. */
const AUTH_CACHE_MAX = 10_000;

/**
 * The keys an API process has checked lately, keyed by the key's hash so that no plaintext key
 * is held. Only successes are kept: a flood of wrong keys must not fill it, and a key that
 * failed is asked about again next time. Entries can be dropped by key id, which is what a
 * revocation names (./key-revocations.ts): the hash never leaves the database.
 */
export function createAuthCache(maxEntries = AUTH_CACHE_MAX) {
  const byHash = new BoundedMap<string, { found: Authenticated; until: number }>(maxEntries);
  const hashOf = new BoundedMap<string, string>(maxEntries);
  return {
    get(hash: string, nowMs: number): Authenticated | null {
      const hit = byHash.get(hash);
      if (hit && hit.until > nowMs) return hit.found;
      if (hit) byHash.delete(hash);
      return null;
    },
    /** Trusted until `untilMs`: the cache TTL, or sooner when the key expires (a rotated one). */
    set(hash: string, found: Authenticated, untilMs: number): void {
      byHash.set(hash, { found, until: untilMs });
      hashOf.set(found.keyId, hash);
    },
    forgetKey(keyId: string): void {
      const hash = hashOf.get(keyId);
      if (hash !== undefined) byHash.delete(hash);
      hashOf.delete(keyId);
    },
    clear(): void {
      byHash.clear();
      hashOf.clear();
    },
  };
}

export type AuthCache = ReturnType<typeof createAuthCache>;
