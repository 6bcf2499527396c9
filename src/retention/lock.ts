import type { PoolClient } from "pg";

/**
 * The advisory lock a retention pass holds while it checks a time range for pending deliveries
 * and drops its partitions. Whatever can turn a stored delivery back to pending (redeliver, a
 * replay's batch) takes it shared in its transaction: the pass then either sees that pending
 * delivery and keeps the range, or has dropped the range before the restart could find its row.
 */
export const RETENTION_LOCK = 0x68726574n; // "hret"

/** In the caller's transaction; released at its commit or rollback. */
export async function takeRetentionShareLock(client: Pick<PoolClient, "query">): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock_shared($1)", [RETENTION_LOCK.toString()]);
}
