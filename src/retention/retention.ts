import { withConnection } from "../lib/connection";
import { idFloor } from "../lib/ids";
import type { Clock } from "../lib/clock";
import type { Logger } from "../lib/logger";
import { startPeriodic } from "../lib/periodic";
import type { Sql } from "../lib/prisma";
import type { Metrics } from "../metrics/metrics";
import { RETENTION_LOCK } from "./lock";
import { distinctRanges, dropRange, ensurePartitions, listPartitions, type Partition } from "./partitions";
import { accountKeepMs, rangesPastRetention, type TimeRange } from "./plan";
import { trimAccount, trimTable, type TrimCounts } from "./trim";

export interface RetentionDeps {
  sql: Sql;
  clock: Clock;
  logger: Logger;
  settings: { retentionMs: number; partitionWidthMs: number; partitionsAhead: number; idempotencyKeyTtlMs: number };
  metrics?: Pick<Metrics, "retentionPass">;
  /** Removes webhooks deleted before the cutoff, at most `limit` (src/webhooks/purge.ts). */
  purgeDeletedWebhooks(sql: Sql, deletedBefore: Date, limit: number): Promise<number>;
}

export interface RetentionReport {
  made: TimeRange[];
  dropped: TimeRange[];
  /** Past retention but kept: a delivery in the range is still pending. */
  keptForPending: TimeRange[];
  /** Rows removed one by one: accounts keeping less than the partitions, and the small tables. */
  trimmed: TrimCounts;
  tookMs: number;
}

/**
 * One retention pass: partitions made ahead of the clock, whole ranges past the retention dropped (unless a delivery in them is still pending), then what the partitions
 * cannot do: the rows of accounts that keep less, idempotency keys past their TTL, and the small
 * tables' old rows. Every pass is safe to repeat and to run in several processes at once.
 */
export function createRetention(deps: RetentionDeps) {
  const { sql, settings } = deps;

  async function pass(): Promise<RetentionReport> {
    const started = Date.now();
    const now = deps.clock.now().getTime();
    const made = await ensurePartitions(sql, { at: [now], widthMs: settings.partitionWidthMs, ahead: settings.partitionsAhead });
    const { rows: accounts } = await sql.query<{ id: string; retention_days: number }>(
      "SELECT id, retention_days FROM accounts WHERE retention_days IS NOT NULL",
    );
    const keepMs = settings.retentionMs;
    const { dropped, keptForPending, partitions } = await dropExpired(now, keepMs);

    const trimmed: TrimCounts = {};
    const add = (t: TrimCounts) => {
      for (const [k, v] of Object.entries(t)) trimmed[k] = (trimmed[k] ?? 0) + v;
    };
    for (const a of accounts) {
      const own = accountKeepMs(a.retention_days, settings.retentionMs);
      if (own < keepMs) add(await trimAccount(sql, a.id, now - own));
    }
    const cutoff = new Date(now - keepMs);
    add({ idempotency_keys: await trimTable(sql, "idempotency_keys", ["account_id", "key"], "created_at < $1", [new Date(now - settings.idempotencyKeyTtlMs)]) });
    add({ operational_events: await trimTable(sql, "operational_events", ["event_id"], "event_id < $1", [idFloor("evt", now - keepMs)]) });
    add({ webhook_hourly_stats: await trimTable(sql, "webhook_hourly_stats", ["webhook_id", "hour"], "hour < $1", [cutoff]) });
    add({ replays: await trimTable(sql, "replays", ["id"], "status <> 'running' AND updated_at < $1", [cutoff]) });
    add({ webhooks: await deps.purgeDeletedWebhooks(sql, cutoff, 1_000) });

    const report = { made, dropped, keptForPending, trimmed, tookMs: Date.now() - started };
    // Drops take only ranges long past, so the list read before them still says how far ahead the partitions reach.
    const ends = partitions.filter((p) => p.table === "events").map((p) => p.hi);
    const reach = ends.length > 0 ? Math.max(...ends) : now;
    deps.metrics?.retentionPass({
      seconds: report.tookMs / 1000,
      dropped: dropped.length,
      keptForPending: keptForPending.length,
      trimmed,
      aheadSeconds: (reach - now) / 1000,
    });
    if (made.length + dropped.length + keptForPending.length > 0 || Object.values(trimmed).some((n) => n > 0)) {
      deps.logger.info(
        { made: made.length, dropped: dropped.length, keptForPending: keptForPending.length, trimmed, tookMs: report.tookMs },
        "retention pass",
      );
    }
    return report;
  }

  /**
   * Under the retention lock (held on a connection of its own for the whole loop), so no
   * redelivery or replay can make a delivery of a range pending between the check and the drop.
   */
  async function dropExpired(now: number, keepMs: number) {
    const dropped: TimeRange[] = [];
    const keptForPending: TimeRange[] = [];
    const partitions = await listPartitions(sql);
    const candidates = rangesPastRetention(distinctRanges(partitions), now, keepMs);
    if (candidates.length === 0) return { dropped, keptForPending, partitions };
    await withConnection(sql, async (lock) => {
      await lock.query("SELECT pg_advisory_lock($1)", [RETENTION_LOCK.toString()]);
      try {
        for (const range of candidates) {
          const deliveries = partitions.find((p) => p.table === "deliveries" && p.lo === range.lo && p.hi === range.hi);
          if (deliveries && (await hasPending(deliveries))) {
            keptForPending.push(range);
            continue;
          }
          await dropRange(sql, range, partitions);
          dropped.push(range);
        }
      } finally {
        await lock.query("SELECT pg_advisory_unlock($1)", [RETENTION_LOCK.toString()]).catch(() => undefined);
      }
    });
    return { dropped, keptForPending, partitions };
  }

  /** One index probe (status, next_attempt_at) of that partition alone. */
  async function hasPending(p: Partition): Promise<boolean> {
    const { rows } = await sql.query(`SELECT 1 FROM ${p.name} WHERE status = 'pending' LIMIT 1`);
    return rows.length > 0;
  }

  /**
   * The partitions around now, before a process starts writing: on this process's clock (a
   * test may pin it) and on the machine's.
   */
  const ensureAhead = () =>
    ensurePartitions(sql, { at: [deps.clock.now().getTime(), Date.now()], widthMs: settings.partitionWidthMs, ahead: settings.partitionsAhead });

  return { pass, ensureAhead };
}

export type Retention = ReturnType<typeof createRetention>;

/** The pass on a timer in a worker process, the first one at once; failures logged and retried on the next tick. */
export function startRetentionLoop(retention: Retention, opts: { intervalMs: number; logger: Logger }) {
  const loop = startPeriodic(() => retention.pass(), { ...opts, failure: "retention pass failed; retrying on its next tick" });
  loop.nudge();
  return loop;
}
