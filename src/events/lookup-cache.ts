import { BoundedMap } from "../lib/bounded-map";
import type { IngestLookup } from "./event-store";

/**
 * What ingestion last looked up for an account (which of the event types it may emit, which
 * webhooks subscribe to them), trusted for a short while: every emitted event needs it, and
 * it changes when someone edits a webhook, not per event.
 *
 * It is safe to be stale in one direction only, and the insert makes sure of that: a delivery
 * is written only for a webhook that is still active and subscribed when the event commits
 * (see insertEventsWithDeliveries), so a webhook deleted, disabled or unsubscribed is never
 * sent an event it no longer wants. The other direction, a webhook just created, enabled or
 * subscribed, is covered by `forget` in this process (webhook writes call it) and is at most
 * `ttlMs` late in other API processes. Answers naming unknown types are never kept, so a type
 * registered a moment ago is usable at once.
 */
export interface LookupCache {
  get(accountId: string, types: string[], now: number): IngestLookup | undefined;
  set(accountId: string, types: string[], found: IngestLookup, now: number): void;
  /** The account's webhooks changed: look again next time. */
  forget(accountId: string): void;
}

const MAX_ACCOUNTS = 10_000;
/** Distinct type combinations remembered per account (a batch may mix types). */
const MAX_COMBINATIONS = 64;

interface AccountEntry {
  until: number;
  byTypes: BoundedMap<string, IngestLookup>;
}

export function createLookupCache(ttlMs: number): LookupCache {
  const accounts = new BoundedMap<string, AccountEntry>(MAX_ACCOUNTS);
  const typesKey = (types: string[]) => [...types].sort().join("\n");
  return {
    get(accountId, types, now) {
      const entry = accounts.get(accountId);
      if (!entry) return undefined;
      if (entry.until <= now) {
        accounts.delete(accountId);
        return undefined;
      }
      return entry.byTypes.get(typesKey(types));
    },
    set(accountId, types, found, now) {
      if (ttlMs <= 0 || found.unknownTypes.length > 0) return;
      let entry = accounts.get(accountId);
      if (!entry || entry.until <= now) {
        // One deadline for the whole account, so that nothing of it is older than the TTL.
        entry = { until: now + ttlMs, byTypes: new BoundedMap(MAX_COMBINATIONS) };
        accounts.set(accountId, entry);
      }
      entry.byTypes.set(typesKey(types), found);
    },
    forget(accountId) {
      accounts.delete(accountId);
    },
  };
}
