import { DelayedError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../lib/logger";
import { deliver, type DeliverDeps } from "./deliver";
import { DELIVERY_QUEUE, type DeliveryJobData } from "./queue";

/**
 * The BullMQ consumer. A retry is the same job moved to the delayed set (BullMQ's
 * DelayedError protocol), so a delivery keeps one job id for its whole chain.
 */
export function createDeliveryWorker(opts: {
  connection: Redis;
  prefix: string;
  concurrency: number;
  deps: DeliverDeps;
  logger: Logger;
}): Worker<DeliveryJobData> {
  const worker = new Worker<DeliveryJobData>(
    DELIVERY_QUEUE,
    async (job: Job<DeliveryJobData>, token?: string) => {
      const outcome = await deliver(opts.deps, job.data);
      if (outcome.kind === "later") {
        await job.moveToDelayed(Date.now() + outcome.delayMs, token);
        throw new DelayedError();
      }
      return outcome.detail;
    },
    {
      connection: opts.connection,
      prefix: opts.prefix,
      concurrency: opts.concurrency,
      // A worker killed mid-attempt, or one that lost Redis while finishing a job, leaves it
      // active; it comes back once its lock has expired and the stall check next runs, and the
      // recovery sweep cannot help (an active job looks alive). BullMQ renews a live job's lock
      // every lockDuration / 2 however long the attempt takes, so the lock can be short: with
      // these, such a delivery waits 10-20 s instead of 30-60 s with BullMQ's defaults (see
      // `npm run test:faults`). Only an event loop blocked for over 5 s would lose a live lock.
      lockDuration: 10_000,
      stalledInterval: 5_000,
      maxStalledCount: 10,
    },
  );
  worker.on("failed", (job, err) => {
    if (err instanceof DelayedError) return;
    opts.logger.error({ jobId: job?.id, err: err.message }, "delivery job failed; BullMQ will retry it");
  });
  worker.on("error", (err) => opts.logger.warn({ err: err.message }, "delivery worker error"));
  return worker;
}
