import { restartDeliveries, toQueue, type Restarted } from "../delivery/restart";
import type { EnqueueDeliveries } from "../events/service";
import type { Clock } from "../lib/clock";
import type { Logger } from "../lib/logger";
import { startPeriodic } from "../lib/periodic";
import type { Sql } from "../lib/prisma";
import type { Metrics } from "../metrics/metrics";
import { inTransaction } from "../lib/connection";
import { takeRetentionShareLock } from "../retention/lock";
import type { FairQueue } from "../scheduler/fair-queue";
import { batchAllowance, batchGapMs, type Pace } from "./policy";
import { advanceReplay, lockDueReplay, lockWebhook, nextDueReplay, nextMatching } from "./store";

/**
 * The replay runner, in every worker process: takes running replays whose next batch is due,
 * one transaction per batch, each under the replay row's lock (SKIP LOCKED: workers share the
 * replays, none runs a batch another holds). A batch restarts the next matching deliveries
 * after the replay's cursor, exactly as redeliver does (src/delivery/restart.ts), and moves the
 * cursor past them in the same commit; only then are they handed to the scheduler. A worker
 * killed anywhere in between restarts nothing twice: before the commit nothing happened, after
 * it the cursor is past them and the recovery sweep queues what the scheduler never got.
 */
export interface ReplayRunnerDeps {
  sql: Sql;
  clock: Clock;
  enqueue: EnqueueDeliveries;
  /** The scheduler's state, for the webhook's line: how many of its deliveries wait or are in flight. */
  fairQueue: Pick<FairQueue, "webhookState">;
  pace: Pace;
  metrics: Metrics;
  logger: Logger;
}

/** Replays looked at per pass at most; the rest wait for the next. */
const PER_PASS = 100;
/** How long a pass waits for Redis to say how full a webhook's line is, before it gives up (and retries on the next). */
const STATE_TIMEOUT_MS = 2_000;

/** `work`, or a rejection once `ms` have passed: a hung Redis must not hold a pass forever. */
async function withinMs<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface PassResult {
  batches: number;
  restarted: number;
}

export function createReplayRunner(deps: ReplayRunnerDeps) {
  const { pace } = deps;
  const gapMs = batchGapMs(pace);

  /** One batch of one due replay; null when none is due (that this pass has not looked at). */
  async function batchOnce(tried: string[]): Promise<{ replayId: string; restarted: Restarted[] } | null> {
    const now = deps.clock.now();
    const dueBefore = new Date(now.getTime() - gapMs);
    const candidate = await nextDueReplay(deps.sql, dueBefore, tried);
    if (!candidate) return null;
    tried.push(candidate.id);
    // Read before the transaction: no row stays locked while Redis is slow to answer.
    const state = await withinMs(deps.fairQueue.webhookState(candidate.webhookId), STATE_TIMEOUT_MS, "reading the webhook's line in the scheduler");
    return inTransaction(deps.sql, async (client) => {
      const replay = await lockDueReplay(client, candidate.id, dueBefore);
      // Another worker has it, or it was cancelled meanwhile.
      if (!replay) return { replayId: candidate.id, restarted: [] };
      const fresh = replay.cursor === null && replay.replayed === 0;
      const allowance = batchAllowance(pace, { sinceLastMs: now.getTime() - replay.updatedAt.getTime(), fresh, queued: state.waiting + state.inFlight });
      // Its line is full: it waits, and the row keeps its time, so the rate's allowance is there when the line has room.
      if (allowance === 0) return { replayId: replay.id, restarted: [] };
      await takeRetentionShareLock(client);
      const webhook = await lockWebhook(client, replay.webhookId, "batch");
      if (!webhook || webhook.status === "deleted") {
        await advanceReplay(client, replay.id, now, { cursor: null, restarted: 0, end: "cancelled" });
        return { replayId: replay.id, restarted: [] };
      }
      // Disabled meanwhile: what it restarted now would only be skipped. It goes on once enabled.
      if (webhook.status !== "active") return { replayId: replay.id, restarted: [] };
      const ids = await nextMatching(client, replay, allowance);
      // Those that turned pending since they were read are left alone (and not counted).
      const restarted = await restartDeliveries(client, ids, now);
      const end = ids.length < allowance ? "completed" : null;
      await advanceReplay(client, replay.id, now, { cursor: ids[ids.length - 1] ?? null, restarted: restarted.length, end });
      return { replayId: replay.id, restarted };
    });
  }

  /** Every replay that is due, one batch each. */
  async function runOnce(): Promise<PassResult> {
    const tried: string[] = [];
    const result = { batches: 0, restarted: 0 };
    while (tried.length < PER_PASS) {
      const batch = await batchOnce(tried);
      if (!batch) break;
      if (batch.restarted.length === 0) continue;
      result.batches += 1;
      result.restarted += batch.restarted.length;
      deps.metrics.deliveriesCreated(batch.restarted.length, "redeliver");
      try {
        await deps.enqueue(toQueue(batch.restarted, deps.clock.now()));
      } catch (err) {
        deps.logger.warn({ err: err instanceof Error ? err.message : err, replayId: batch.replayId, count: batch.restarted.length }, "enqueue of replayed deliveries failed; recovery will pick them up");
      }
    }
    return result;
  }

  return { runOnce, gapMs };
}

export type ReplayRunner = ReturnType<typeof createReplayRunner>;

/** Runs passes every `intervalMs` (and at once when nudged), one at a time; `stop` waits for the pass in progress. */
export function startReplayRunner(runner: ReplayRunner, opts: { intervalMs: number; logger: Logger }) {
  return startPeriodic(() => runner.runOnce(), { ...opts, failure: "replay runner pass failed; retrying on its next pass" });
}
