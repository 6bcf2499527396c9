import type { PoolClient } from "pg";
import type { DeliveryToQueue } from "../events/service";

/** A delivery put back to pending on a new chain, as the scheduler needs it. */
export interface Restarted {
  id: string;
  accountId: string;
  webhookId: string;
  /** The new chain's number. */
  chain: number;
}

/**
 * The one "deliver again" transition, shared by redeliver and bulk replay: a new chain of
 * attempts (chain + 1, retry schedule from the start), pending and due now, for each of `ids`
 * that is not pending already. A pending one is left alone, so two restarts racing on one
 * delivery restart it once: the second finds it pending (after the first's row lock).
 * `fromChain` also demands the chain the caller read, for a redelivery decided on a stale read.
 * In the caller's transaction, which must hold the retention share lock (src/retention/lock.ts):
 * a pass that checked this range for pending deliveries must not drop it under the restart.
 */
export async function restartDeliveries(client: Pick<PoolClient, "query">, ids: readonly string[], now: Date, opts: { fromChain?: number } = {}): Promise<Restarted[]> {
  if (ids.length === 0) return [];
  const { rows } = await client.query<{ id: string; account_id: string; webhook_id: string; chain: number }>(
    `UPDATE deliveries
        SET chain = chain + 1, chain_attempts = 0, status = 'pending', next_attempt_at = $2, last_error = NULL, updated_at = $2
      WHERE id = ANY($1::text[]) AND status <> 'pending' AND ($3::int IS NULL OR chain = $3)
      RETURNING id, account_id, webhook_id, chain`,
    [ids, now, opts.fromChain ?? null],
  );
  return rows.map((r) => ({ id: r.id, accountId: r.account_id, webhookId: r.webhook_id, chain: r.chain }));
}

/** What to hand the scheduler for restarted deliveries (after the commit). */
export function toQueue(restarted: readonly Restarted[], now: Date): DeliveryToQueue[] {
  return restarted.map((r) => ({ id: r.id, accountId: r.accountId, webhookId: r.webhookId, chain: r.chain, chainAttempts: 0, dueAt: now }));
}
