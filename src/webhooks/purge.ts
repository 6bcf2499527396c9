import type { Sql } from "../lib/prisma";

/**
 * Removes for good up to `limit` webhooks deleted before `deletedBefore` (the retention pass
 * calls it with its cutoff, src/retention/): by then the partitions holding their log are
 * gone, and this takes what is left. Their deliveries, hourly stats, notices and replays go
 * with the row (foreign keys, on delete cascade); attempt-log rows have no key to cascade
 * along (delivery_attempts is partitioned), so a late one (an attempt under way as the webhook
 * was deleted) is removed here, in the same statement. Oldest deletions first; rows another
 * pass holds are skipped, so passes in several processes neither wait nor double-count.
 * Answers how many webhooks were removed.
 */
export async function purgeDeletedWebhooks(sql: Sql, deletedBefore: Date, limit: number): Promise<number> {
  const { rowCount } = await sql.query(
    `WITH gone AS (
       SELECT id FROM webhooks
        WHERE status = 'deleted' AND deleted_at < $1
        ORDER BY deleted_at LIMIT $2
          FOR UPDATE SKIP LOCKED
     ), attempts AS (
       DELETE FROM delivery_attempts WHERE webhook_id IN (SELECT id FROM gone)
     )
     DELETE FROM webhooks WHERE id IN (SELECT id FROM gone)`,
    [deletedBefore, limit],
  );
  return rowCount ?? 0;
}
