import type { PoolClient } from "pg";
import { inTransaction, withConnection } from "../lib/connection";
import { idFloor, idTime, type IdPrefix } from "../lib/ids";
import type { Sql } from "../lib/prisma";
import { partitionName, rangeAround, rangesToCreate, type TimeRange } from "./plan";

/**
 * The time-partitioned tables (prisma/migrations/…partition_by_time), in the order their
 * partitions are dropped: attempts, then deliveries, then events, so that at every moment a
 * stored attempt has its delivery and a delivery its event.
 */
export const PARTITIONED: readonly { table: string; prefix: IdPrefix }[] = [
  { table: "delivery_attempts", prefix: "dlv" },
  { table: "deliveries", prefix: "dlv" },
  { table: "events", prefix: "evt" },
];

/** Serializes partition DDL between processes (every worker runs the maintenance, and the API makes one on a miss). */
const PARTITION_LOCK = "6872707400"; // "hrpt"

export interface Partition extends TimeRange {
  table: string;
  name: string;
  /** A DETACH … CONCURRENTLY that was interrupted: it must be finalized before the drop. */
  detaching: boolean;
}

const BOUND = /FROM \('([^']+)'\) TO \('([^']+)'\)/;

/** The partitions of the three tables, from the catalog. */
export async function listPartitions(db: Pick<PoolClient, "query"> | Sql): Promise<Partition[]> {
  const { rows } = await db.query<{ parent: string; name: string; bound: string; detaching: boolean }>(
    `SELECT p.relname AS parent, c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound, i.inhdetachpending AS detaching
       FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = ANY($1::text[]) AND p.relnamespace = current_schema()::regnamespace`,
    [PARTITIONED.map((t) => t.table)],
  );
  return rows.flatMap((r) => {
    const m = BOUND.exec(r.bound);
    return m ? [{ table: r.parent, name: r.name, lo: idTime(m[1]!), hi: idTime(m[2]!), detaching: r.detaching }] : [];
  });
}

export interface EnsureOptions {
  /** Instants that must have a partition (the current time; events a clock in the past or future made). */
  at: readonly number[];
  widthMs: number;
  /** How many widths past the latest of `at` to make ahead. */
  ahead: number;
}

/**
 * Makes what is missing, in one transaction under a lock: the ranges from the current one to
 * `ahead` widths on, one around each other instant asked for, and any range one table has and
 * another lacks. Each is made as a plain table and then attached, which locks the parent in SHARE
 * UPDATE EXCLUSIVE mode only (CREATE TABLE … PARTITION OF would take ACCESS EXCLUSIVE and stop
 * ingestion meanwhile). Answers the ranges made.
 */
export function ensurePartitions(sql: Sql, opts: EnsureOptions): Promise<TimeRange[]> {
  return inTransaction(sql, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock($1)", [PARTITION_LOCK]);
    const made = planMissing(await listPartitions(client), opts);
    for (const { table, range } of made) await attachNew(client, table, range);
    return distinctRanges(made.map((m) => m.range));
  });
}

/** Per table, what to make: the union of every table's ranges and the ones asked for, less what the table has. */
export function planMissing(existing: readonly Partition[], opts: EnsureOptions): { table: string; range: TimeRange }[] {
  const all = distinctRanges(existing);
  const wanted: TimeRange[] = [...all];
  const now = Math.max(...opts.at);
  for (const r of rangesToCreate(wanted, now, opts.widthMs, opts.ahead)) wanted.push(r);
  for (const ms of opts.at) {
    if (!wanted.some((r) => r.lo <= ms && ms < r.hi)) wanted.push(rangeAround(ms, opts.widthMs, wanted));
  }
  return PARTITIONED.flatMap(({ table }) =>
    distinctRanges(wanted)
      .filter((r) => !existing.some((p) => p.table === table && p.lo === r.lo && p.hi === r.hi))
      .map((range) => ({ table, range })),
  );
}

/** Each range once, oldest first (the three tables list the same ones). */
export function distinctRanges(ranges: readonly TimeRange[]): TimeRange[] {
  const seen = new Map<string, TimeRange>();
  for (const r of ranges) seen.set(`${r.lo}:${r.hi}`, { lo: r.lo, hi: r.hi });
  return [...seen.values()].sort((a, b) => a.lo - b.lo);
}

async function attachNew(client: PoolClient, table: string, range: TimeRange): Promise<void> {
  const prefix = PARTITIONED.find((t) => t.table === table)!.prefix;
  const name = partitionName(table, range.lo);
  await client.query(`CREATE TABLE ${name} (LIKE ${table} INCLUDING DEFAULTS)`);
  // The parent's indexes, primary key and foreign keys are made on the (empty) table as it attaches.
  await client.query(`ALTER TABLE ${table} ATTACH PARTITION ${name} FOR VALUES FROM ('${idFloor(prefix, range.lo)}') TO ('${idFloor(prefix, range.hi)}')`);
}

/** Postgres's answer to a row no partition takes (SQLSTATE 23514, "no partition of relation … found for row"). */
export function isMissingPartition(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  return e?.code === "23514" && typeof e.message === "string" && e.message.includes("no partition of relation");
}

/**
 * Runs `write`; if a row found no partition (a clock far from the ones maintenance planned
 * for, or maintenance not yet run), makes the partitions around `times` and runs it once more.
 */
export async function withPartitionsFor<T>(sql: Sql, times: () => readonly number[], widthMs: number, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (!isMissingPartition(err)) throw err;
    await ensurePartitions(sql, { at: times(), widthMs, ahead: 1 });
    return write();
  }
}

/** How long a drop's DDL waits for a lock before it lets go and tries again. */
const DDL_LOCK_TIMEOUT_MS = 200;
const DDL_TRIES = 10;
const DDL_RETRY_PAUSE_MS = 300;

/** Postgres gave up a lock wait: lock_timeout (55P03) or the deadlock detector (40P01). */
function isLockConflict(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === "55P03" || code === "40P01";
}

/**
 * Removes one range's partitions from all three tables. DETACH … CONCURRENTLY takes no lock that
 * stops reads or writes of the other partitions (it waits for the queries that may still see
 * this one instead); the DROP then touches only the detached table. Cannot run in a transaction.
 *
 * Under Postgres 15, a prepared statement's generic plan locks every partition of the tables it
 * reads, this one included, so the detach's last step (ACCESS EXCLUSIVE on the partition) and
 * live statements can wait on each other; the bench saw the deadlock detector end one such wait.
 * Hence a short lock_timeout on the DDL's own connection: the detach lets go first (a live
 * statement waits at most that long), and is tried again. A detach cut short stays "pending"
 * (queries no longer see the partition) and is finished with FINALIZE.
 */
export function dropRange(sql: Sql, range: TimeRange, existing: readonly Partition[]): Promise<void> {
  return withConnection(sql, async (client) => {
    await client.query(`SET lock_timeout = '${DDL_LOCK_TIMEOUT_MS}ms'`);
    try {
      for (const { table } of PARTITIONED) {
        const p = existing.find((x) => x.table === table && x.lo === range.lo && x.hi === range.hi);
        if (!p) continue;
        await withRetries(async () => {
          // As it stands now: an earlier try may have detached it halfway, or whole.
          const now = (await listPartitions(client)).find((x) => x.name === p.name);
          if (!now) return;
          await client.query(`ALTER TABLE ${table} DETACH PARTITION ${p.name} ${now.detaching ? "FINALIZE" : "CONCURRENTLY"}`);
        });
        await withRetries(() => client.query(`DROP TABLE IF EXISTS ${p.name}`));
      }
    } finally {
      // The connection goes back to the pool: nobody else's statements get this timeout.
      await client.query("RESET lock_timeout").catch(() => undefined);
    }
  });
}

async function withRetries(step: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await step();
      return;
    } catch (err) {
      if (!isLockConflict(err) || attempt >= DDL_TRIES) throw err;
      await new Promise((r) => setTimeout(r, DDL_RETRY_PAUSE_MS * attempt));
    }
  }
}
