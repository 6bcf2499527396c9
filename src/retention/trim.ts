import { idFloor } from "../lib/ids";
import type { Sql } from "../lib/prisma";

/** Rows removed, by table. */
export type TrimCounts = Record<string, number>;

/** Rows per DELETE: each is short, so no lock is held for long and vacuum keeps up between them. */
const BATCH = 5_000;
/** Statements per table per pass: a pass ends in bounded time however far behind it is; the next one goes on. */
const MAX_BATCHES = 40;

/**
 * Deletes rows matching `where` in batches of BATCH by their key, until fewer than a batch are
 * left or MAX_BATCHES ran. For what the partitions cannot drop whole: the small tables, and the
 * rows of accounts that keep less than the partitions do.
 */
export async function trimTable(sql: Sql, table: string, key: readonly string[], where: string, params: unknown[]): Promise<number> {
  let total = 0;
  const cols = key.join(", ");
  for (let i = 0; i < MAX_BATCHES; i++) {
    const { rowCount } = await sql.query(
      `DELETE FROM ${table} WHERE (${cols}) IN (SELECT ${cols} FROM ${table} WHERE ${where} LIMIT ${BATCH})`,
      params,
    );
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < BATCH) break;
  }
  return total;
}

/**
 * One account's events, deliveries and attempts older than `cutoffMs`, except those of a
 * delivery still pending: the account's own retention is shorter than the partitions'. The id
 * bound also prunes the search to the partitions old enough to hold such rows.
 */
export async function trimAccount(sql: Sql, accountId: string, cutoffMs: number): Promise<TrimCounts> {
  const dlv = idFloor("dlv", cutoffMs);
  const webhooks = "(SELECT id FROM webhooks WHERE account_id = $1)";
  const attempts = await trimTable(
    sql,
    "delivery_attempts",
    ["id", "delivery_id"],
    `webhook_id IN ${webhooks} AND delivery_id < $2
       AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = delivery_attempts.delivery_id AND d.status = 'pending')`,
    [accountId, dlv],
  );
  const deliveries = await trimTable(sql, "deliveries", ["id"], `webhook_id IN ${webhooks} AND id < $2 AND status <> 'pending'`, [accountId, dlv]);
  const events = await trimTable(
    sql,
    "events",
    ["id"],
    `account_id = $1 AND id < $2 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = events.id AND d.status = 'pending')`,
    [accountId, idFloor("evt", cutoffMs)],
  );
  return { delivery_attempts: attempts, deliveries, events };
}
