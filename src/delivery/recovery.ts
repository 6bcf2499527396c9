import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Clock } from "../lib/clock";
import type { Logger } from "../lib/logger";
import { noMetrics, type Metrics } from "../metrics/metrics";
import type { Sql } from "../lib/prisma";
import type { Scheduler } from "../scheduler/scheduler";
import { ticketFor } from "../scheduler/tickets";

/**
 * Postgres is the record of what must be delivered; Redis only schedules it. Two ways a pending
 * delivery can be missing from Redis, and one sweep for each:
 *
 * - A few recent ones: the API crashed or lost Redis between commit and enqueue, or Redis came
 *   back from its append-only file without its last second. Every pending delivery is looked at
 *   once, `graceMs` after it came due (a window that moves with the clock, its end kept in
 *   Redis), so a long backlog is not re-read on every sweep.
 * - Everything: Redis restarted empty, failed over to an empty replica, or was flushed. The
 *   scheduler keeps an epoch key; when it is gone, every pending delivery is queued again, due
 *   or not, and then the epoch is written anew.
 *
 * Queueing is "if absent" (scheduler/lua.ts): an attempt already waiting, in flight or a job is
 * left alone, so neither sweep can double one. Both page through an index in slices.
 */
export interface RecoveryDeps {
  sql: Sql;
  redis: Redis;
  scheduler: Pick<Scheduler, "restore">;
  clock: Clock;
  logger: Logger;
  /** Keys' prefix (the queue prefix): the lock, the window's end. */
  prefix: string;
  readEpoch(): Promise<string | null>;
  writeEpoch(value: string): Promise<void>;
  graceMs: number;
  pageSize?: number;
  metrics?: Metrics;
}

interface Row {
  id: string;
  account_id: string;
  webhook_id: string;
  chain: number;
  chain_attempts: number;
  next_attempt_at: Date;
}

/**
 * Planned anew each time (not a prepared statement): it runs a few times a minute, and a plan
 * for a range is only as good as the statistics of the moment.
 */
const PAGE_TEXT = `SELECT id, account_id, webhook_id, chain, chain_attempts, next_attempt_at
     FROM deliveries
    WHERE status = 'pending' AND next_attempt_at > $1 AND next_attempt_at <= $2
      AND (next_attempt_at, id) > ($3, $4)
    ORDER BY next_attempt_at, id
    LIMIT $5`;
const PAGE = (sql: Sql, values: unknown[]) => sql.query<Row>(PAGE_TEXT, values);

/** Queues every pending delivery due in (from, to], page by page; answers how many were missing. */
export async function queuePendingBetween(deps: RecoveryDeps, from: Date, to: Date, onPage?: () => Promise<void>): Promise<number> {
  const size = deps.pageSize ?? 2_000;
  let after = { at: from, id: "" };
  let queued = 0;
  for (;;) {
    const { rows } = await PAGE(deps.sql, [from, to, after.at, after.id, size]);
    if (rows.length === 0) return queued;
    queued += await deps.scheduler.restore(
      rows.map((r) => ticketFor({ id: r.id, accountId: r.account_id, webhookId: r.webhook_id, chain: r.chain, chainAttempts: r.chain_attempts }, r.next_attempt_at.getTime())),
    );
    const last = rows[rows.length - 1]!;
    after = { at: last.next_attempt_at, id: last.id };
    await onPage?.();
    if (rows.length < size) return queued;
  }
}

export interface Recovery {
  /**
   * One pass: the full rescan if the epoch is gone, else the window since the last pass.
   * `onPage` runs after each page (the loop renews its lease there).
   */
  run(onPage?: () => Promise<void>): Promise<{ rescanned: number | null; swept: number }>;
}

const FOREVER = new Date("9999-12-31T00:00:00Z");
const BEGINNING = new Date(0);

export function createRecovery(deps: RecoveryDeps): Recovery {
  const windowKey = `${deps.prefix}:fair:swept`;
  const metrics = deps.metrics ?? noMetrics;
  return {
    async run(onPage) {
      let rescanned: number | null = null;
      const now = deps.clock.now().getTime();
      const end = new Date(now - deps.graceMs);
      if ((await deps.readEpoch()) === null) {
        // Everything, the future retries too: they are lost with the rest.
        rescanned = await queuePendingBetween(deps, BEGINNING, FOREVER, onPage);
        metrics.recoveryRequeued(rescanned, "epoch");
        await deps.redis.set(windowKey, String(end.getTime()));
        await deps.writeEpoch(`${new Date(now).toISOString()} ${randomUUID()}`);
        // A new deployment has no epoch either; only a rescan that found work is news.
        if (rescanned > 0) deps.logger.warn({ rescanned }, "Redis held no scheduler epoch (restarted empty, failed over or flushed): every pending delivery queued again");
        else deps.logger.info("scheduler epoch written");
        return { rescanned, swept: 0 };
      }
      const from = new Date(Number((await deps.redis.get(windowKey)) ?? end.getTime() - deps.graceMs));
      if (from >= end) return { rescanned, swept: 0 };
      // A pass that fails part-way leaves the window where it was: the next one reads it again.
      const swept = await queuePendingBetween(deps, from, end, onPage);
      metrics.recoveryRequeued(swept, "recent");
      await deps.redis.set(windowKey, String(end.getTime()));
      if (swept > 0) deps.logger.warn({ swept }, "queued again pending deliveries that Redis did not have");
      return { rescanned, swept };
    },
  };
}

/**
 * Runs recovery every `intervalMs`, and at once when asked (the scheduler's clock saw the epoch
 * gone), in one process at a time: a Redis lease that the pass renews as it goes.
 */
export function startRecoveryLoop(recovery: Recovery, opts: { redis: Redis; prefix: string; intervalMs: number; logger: Logger }) {
  const lockKey = `${opts.prefix}:recovery-lock`;
  const leaseMs = Math.max(opts.intervalMs * 2, 60_000);
  let running: Promise<void> | null = null;
  const pass = async () => {
    const token = randomUUID();
    if ((await opts.redis.set(lockKey, token, "PX", leaseMs, "NX")) !== "OK") return;
    try {
      await recovery.run(async () => {
        await opts.redis.pexpire(lockKey, leaseMs);
      });
    } finally {
      // Only our own lease: a pass that outlived it must not free another process's.
      if ((await opts.redis.get(lockKey)) === token) await opts.redis.del(lockKey);
    }
  };
  const trigger = () => {
    if (running) return;
    running = pass()
      .catch((err: unknown) => opts.logger.warn({ err: err instanceof Error ? err.message : err }, "recovery sweep failed"))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(trigger, opts.intervalMs);
  return {
    trigger,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
