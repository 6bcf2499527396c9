import { hostname } from "node:os";
import type { Redis } from "ioredis";
import type { Config } from "../config";
import type { EnqueueDeliveries } from "../events/service";
import type { Clock } from "../lib/clock";
import type { Logger } from "../lib/logger";
import type { Sql } from "../lib/prisma";
import { closeRedis, createRedis } from "../lib/redis";
import { settleWithin } from "../lib/settle-within";
import type { Metrics } from "../metrics/metrics";
import type { ProcessMetrics } from "../metrics/process-metrics";
import { createNoticeRelay, startNoticeRelay } from "../operational/relay";
import { createReplayRunner, startReplayRunner } from "../replay/runner";
import { startRetentionLoop, type Retention } from "../retention/retention";
import type { FairQueue } from "../scheduler/fair-queue";
import type { Scheduler } from "../scheduler/scheduler";
import type { DeliverDeps } from "./deliver";
import { createRecovery, startRecoveryLoop } from "./recovery";
import { createDeliveryWorker } from "./worker";

/** How often a worker's relay looks for operational events to fan out, besides being nudged by the settlement that wrote them. */
const NOTICE_RELAY_INTERVAL_MS = 1_000;

/** What the composition root (src/container.ts) hands a worker process to run with. */
export interface WorkerProcessDeps {
  config: Config;
  logger: Logger;
  clock: Clock;
  sql: Sql;
  redis: Redis;
  scheduler: Scheduler;
  fairQueue: FairQueue;
  deliverDeps: DeliverDeps;
  enqueue: EnqueueDeliveries;
  metrics: Metrics;
  processMetrics: Pick<ProcessMetrics, "markRole" | "trackConnection" | "trackWorker">;
  /** Where the settlements' "notices written" signal goes (deliverDeps.onNotices calls it): set to this worker's relay. */
  noticeSignal: { nudge(): void };
  /** Partitions made ahead and data past retention removed (src/retention/): every worker runs the pass; they take turns under a lock. */
  retention: Retention;
}

/**
 * A worker's moving parts, started together: the BullMQ consumer, the recovery sweep, the
 * operational events relay, the replay runner and the scheduler's clock. Resolves once it
 * consumes, to a stop function that ends them all within bounded time.
 */
export async function startWorkerProcess(deps: WorkerProcessDeps): Promise<() => Promise<void>> {
  const { config, logger, clock, sql, redis, scheduler, fairQueue, deliverDeps, enqueue, metrics, processMetrics, noticeSignal, retention } = deps;
  // Before anything is written: every row needs a partition to go to.
  await retention.ensureAhead();
  const connection = createRedis(config.redisUrl, "worker");
  connection.on("error", (err) => logger.warn({ err: err.message }, "redis connection error (worker)"));
  const slots = { busy: 0 };
  processMetrics.markRole("worker");
  processMetrics.trackConnection("worker", connection);
  processMetrics.trackWorker({ slots, concurrency: config.workerConcurrency });
  const worker = createDeliveryWorker({
    connection,
    prefix: config.queuePrefix,
    concurrency: config.workerConcurrency,
    deps: deliverDeps,
    scheduler,
    exhaustedRetryMs: 60_000,
    slots,
    lock: { durationMs: config.jobLockMs, stalledIntervalMs: config.stalledIntervalMs, maxStalledCount: config.maxStalledCount },
    logger,
  });
  await worker.waitUntilReady();
  const workerId = `${hostname()}:${process.pid}:${worker.id}`;
  const heartbeat = startHeartbeat(fairQueue, workerId, worker.id, config.workerLivenessMs, logger);
  await heartbeat.first;
  fairQueue.setWorker({ id: workerId, freeSlots: () => config.workerConcurrency - slots.busy });
  const recovery = startRecoveryLoop(
    createRecovery({
      sql,
      redis,
      scheduler,
      clock,
      logger,
      prefix: config.queuePrefix,
      readEpoch: fairQueue.readEpoch,
      writeEpoch: fairQueue.writeEpoch,
      graceMs: config.recoveryGraceMs,
      metrics,
    }),
    { redis, prefix: config.queuePrefix, intervalMs: config.recoveryIntervalMs, logger },
  );
  const notices = startNoticeRelay(createNoticeRelay({ sql, clock, enqueue, metrics, logger }), {
    intervalMs: NOTICE_RELAY_INTERVAL_MS,
    logger,
  });
  noticeSignal.nudge = notices.nudge;
  const replayRunner = createReplayRunner({ sql, clock, enqueue, fairQueue, pace: config.replay, metrics, logger });
  // As often as a batch can come due, within [50 ms, 1 s]: a replay started in an API process is taken within a second.
  const replays = startReplayRunner(replayRunner, { intervalMs: Math.max(50, Math.min(1_000, replayRunner.gapMs)), logger });
  const retentionLoop = startRetentionLoop(retention, { intervalMs: config.retention.intervalMs, logger });
  const stopClock = scheduler.startClock({
    idleMs: 1_000,
    // A dispatch older than the recovery grace without a job will never get one.
    reconcileEveryMs: Math.min(config.recoveryIntervalMs, 5_000),
    reconcileAfterMs: config.recoveryGraceMs,
    onEpochMissing: recovery.trigger,
  });
  // Every step is bounded: with Redis or Postgres unreachable, BullMQ's close and the sweep
  // wait forever on commands that never return, and the process must still exit in time
  // (src/lib/shutdown.ts). Memoized: the process's stop and close() both call it.
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      // Its free slots stop counting at once: nothing more is dispatched for it.
      fairQueue.setWorker(null);
      await settleWithin(fairQueue.leave(workerId), 500);
      // Jobs in flight get the delivery timeout to finish their attempt, plus a little for
      // its writes; anything not started stays queued for another worker.
      const [closed] = await Promise.all([settleWithin(worker.close(), config.deliveryTimeoutMs + 500), settleWithin(stopClock(), 1_000), settleWithin(recovery.stop(), 1_000), settleWithin(notices.stop(), 1_000), settleWithin(replays.stop(), 1_000), settleWithin(retentionLoop.stop(), 1_000)]);
      // Stopped cleanly, nothing is left to take back; otherwise the heartbeat stops and, a
      // liveness TTL later, the scheduler hands what it still holds to the other workers.
      heartbeat.stop();
      if (closed === "done") await settleWithin(fairQueue.forget(workerId), 500);
      if (closed === "timed_out") {
        logger.warn({ waitedMs: config.deliveryTimeoutMs + 500 }, "jobs in flight did not finish (Redis or Postgres unreachable?); dropping the worker's connection: BullMQ's stall check hands them out again");
        // Fails the commands BullMQ is waiting on, which lets its close run to the end.
        connection.disconnect();
        await settleWithin(worker.close(), 500);
      }
      await closeRedis(connection, 500);
      processMetrics.trackWorker(null);
      processMetrics.trackConnection("worker", null);
    })());
  return stop;
}

/**
 * The worker's liveness key, refreshed every third of its TTL on a timer of its own, however
 * long its attempts take. Its absence is how the scheduler learns the process is dead (see
 * src/scheduler/lua.ts, TICK): killed, or cut off from Redis for longer than the TTL.
 */
function startHeartbeat(fairQueue: FairQueue, workerId: string, bullWorkerId: string, ttlMs: number, logger: Logger) {
  let failing = false;
  const beat = () =>
    fairQueue.heartbeat(workerId, bullWorkerId, ttlMs).then(
      () => {
        failing = false;
      },
      (err: unknown) => {
        // Once per outage, not every beat.
        if (!failing) logger.warn({ err: err instanceof Error ? err.message : err }, "worker heartbeat failed; past its liveness TTL the other workers take over its deliveries");
        failing = true;
      },
    );
  const timer = setInterval(() => void beat(), Math.max(100, Math.floor(ttlMs / 3)));
  // Never what keeps the process alive: the worker's stop ends it anyway.
  timer.unref();
  return { first: beat(), stop: () => clearInterval(timer) };
}
