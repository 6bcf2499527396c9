import type { Sql } from "../lib/prisma";
import { allOrEach, microBatch } from "../lib/micro-batch";
import {
  loadForAttempts,
  markCancelled,
  markSkipped,
  recordFailure,
  recordSuccesses,
  settleFailure,
  type AttemptRow,
  type DeliveryForAttempt,
  type Settlement,
  type Success,
  type WebhookFailureState,
} from "./delivery-store";
import type { OperationalEventType } from "../operational/payloads";
import type { NoticePolicy } from "../operational/policy";
import { settleFailureWithNotices, type FailureSettlement } from "../operational/store";

/** What a failed attempt's settlement with notices needs besides the settlement itself. */
export type NoticedFailure = Omit<FailureSettlement, "settle"> & { settlement: Settlement };

/**
 * What a delivery attempt reads and writes. A worker runs many jobs at once; their loads and
 * their successful settlements are batched, so N jobs cost one round trip each way instead of
 * N. A job is still only acknowledged once its own rows are committed: each call resolves
 * after the statement that holds its row, never before.
 */
export interface DeliveryStore {
  load(deliveryId: string): Promise<DeliveryForAttempt | null>;
  recordSuccess(row: AttemptRow, settlement: Settlement): Promise<void>;
  recordFailure(row: AttemptRow, at: Date): Promise<WebhookFailureState | null>;
  settleFailure(settlement: Settlement): Promise<void>;
  /** A failed attempt's settlement with the disable and the notices it may raise, in one transaction; answers the notices written. */
  settleFailureWithNotices(failure: NoticedFailure, candidates: readonly OperationalEventType[], policy: NoticePolicy): Promise<number>;
  markSkipped(deliveryId: string, chain: number, reason: string): Promise<void>;
  markCancelled(deliveryId: string, chain: number, reason: string): Promise<void>;
}

export interface DeliveryStoreOptions {
  /** Rows per statement, at most. */
  maxBatch: number;
  /** Statements of one kind in flight at once (each holds a pool connection). */
  maxConcurrent: number;
}

export function createDeliveryStore(sql: Sql, opts: DeliveryStoreOptions): DeliveryStore {
  const load = microBatch<string, DeliveryForAttempt | null>({
    ...sizes(opts),
    run: async (ids) => {
      const found = await loadForAttempts(sql, [...new Set(ids)]);
      return ids.map((id) => found.get(id) ?? null);
    },
  });

  const recordSuccess = microBatch<Success, void>({
    ...sizes(opts),
    run: allOrEach((items) => recordSuccesses(sql, items)),
  });

  return {
    load,
    recordSuccess: (row, settlement) => recordSuccess({ row, settlement }),
    recordFailure: (row, at) => recordFailure(sql, row, at),
    settleFailure: async (settlement) => void (await settleFailure(sql, settlement)),
    settleFailureWithNotices: (failure, candidates, policy) =>
      settleFailureWithNotices(sql, { ...failure, settle: (client) => settleFailure(client, failure.settlement) }, candidates, policy),
    markSkipped: (deliveryId, chain, reason) => markSkipped(sql, deliveryId, chain, reason),
    markCancelled: (deliveryId, chain, reason) => markCancelled(sql, deliveryId, chain, reason),
  };
}

function sizes(opts: DeliveryStoreOptions) {
  return { maxSize: opts.maxBatch, maxConcurrent: opts.maxConcurrent };
}
