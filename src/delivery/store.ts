import type { Sql } from "../lib/prisma";
import { allOrEach, microBatch } from "../lib/micro-batch";
import {
  loadForAttempts,
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
  settleFailure(webhookId: string, settlement: Settlement, disableReason: string | null): Promise<void>;
  markSkipped(deliveryId: string, chain: number, reason: string): Promise<void>;
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
    settleFailure: (webhookId, settlement, reason) => settleFailure(sql, webhookId, settlement, reason),
    markSkipped: (deliveryId, chain, reason) => markSkipped(sql, deliveryId, chain, reason),
  };
}

function sizes(opts: DeliveryStoreOptions) {
  return { maxSize: opts.maxBatch, maxConcurrent: opts.maxConcurrent };
}
