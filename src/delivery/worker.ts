import { Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../lib/logger";
import type { Scheduler } from "../scheduler/scheduler";
import { deliver, type DeliverDeps } from "./deliver";
import { DELIVERY_QUEUE, memberOf, type DeliveryJobData } from "./queue";

/**
 * The BullMQ consumer: each job is one dispatched attempt (see src/scheduler/). A retry is a
 * new ticket in the scheduler, not this job delayed, so a webhook's waiting deliveries never
 * occupy the queue or a worker's slots.
 */
export function createDeliveryWorker(opts: {
  connection: Redis;
  prefix: string;
  concurrency: number;
  deps: DeliverDeps;
  scheduler: Pick<Scheduler, "release">;
  /** How long to wait before queueing again an attempt whose job ran out of BullMQ's own retries. */
  exhaustedRetryMs: number;
  /** Jobs running now, kept up to date here: the scheduler dispatches only for free slots. */
  slots: { busy: number };
  /** BullMQ's job lock, stall check interval and stall count (config: HOOKRELAY_JOB_LOCK_DURATION…). */
  lock: { durationMs: number; stalledIntervalMs: number; maxStalledCount: number };
  logger: Logger;
}): Worker<DeliveryJobData> {
  const worker: Worker<DeliveryJobData> = new Worker<DeliveryJobData>(
    DELIVERY_QUEUE,
    async (job: Job<DeliveryJobData>, token?: string): Promise<string> => {
      opts.slots.busy++;
      try {
        return await deliver(opts.deps, {
          data: job.data,
          rerun: job.attemptsStarted > 1,
          holder: token ? `${job.id}|${token}` : null,
          // Once close() is called the job takes on no more tickets: the worker finishes what it holds.
          stopping: (): boolean => Boolean(worker.closing),
        });
      } finally {
        opts.slots.busy--;
      }
    },
    {
      connection: opts.connection,
      prefix: opts.prefix,
      concurrency: opts.concurrency,
      // A worker that lost Redis while finishing a job (or whose event loop stalled) leaves it
      // active; it comes back once its lock has expired and the stall check next runs, and the
      // recovery sweep cannot help (an active job looks alive). A worker killed outright is
      // quicker: its heartbeat stops, and the scheduler drops its jobs' locks and marks them
      // stalled (src/scheduler/lua.ts, reap), so the next check hands them out. BullMQ renews a
      // live job's lock every lockDuration / 2 however long the attempt takes.
      lockDuration: opts.lock.durationMs,
      stalledInterval: opts.lock.stalledIntervalMs,
      maxStalledCount: opts.lock.maxStalledCount,
    },
  );
  worker.on("failed", (job, err) => {
    if (!job) return;
    const exhausted = job.attemptsMade >= (job.opts.attempts ?? 1);
    opts.logger.error({ jobId: job.id, err: err.message, exhausted }, exhausted ? "delivery job failed for good; queueing the attempt again" : "delivery job failed; BullMQ will retry it");
    if (!exhausted || !job.data.webhookId || !job.data.accountId) return;
    // Our infrastructure failed it every time (Postgres away for minutes): the delivery is
    // still pending, so the attempt goes back in line, a while later. (Were this lost, the
    // scheduler's reconcile would queue it again, the job being gone.)
    const slot = { member: memberOf(job.data), webhookId: job.data.webhookId };
    opts.scheduler
      .release(slot, { ...slot, accountId: job.data.accountId, dueAt: Date.now() + opts.exhaustedRetryMs })
      .catch((e: unknown) => opts.logger.warn({ jobId: job.id, err: e instanceof Error ? e.message : e }, "could not queue the attempt again; reconcile will"));
  });
  worker.on("error", (err) => opts.logger.warn({ err: err.message }, "delivery worker error"));
  return worker;
}
