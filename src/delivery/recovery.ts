import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Clock } from "../lib/clock";
import type { Logger } from "../lib/logger";
import type { Db } from "../lib/prisma";
import { jobIdFor, type DeliveryJobData } from "./queue";

/**
 * Postgres is the record of what must be delivered; Redis only schedules it. A delivery that
 * is pending and overdue, but has no live job (Redis lost it, or the API crashed between
 * commit and enqueue), is enqueued again. Job ids are deterministic, so a delivery that does
 * have a job is never doubled.
 */
export interface RecoveryDeps {
  db: Db;
  queue: Queue<DeliveryJobData>;
  clock: Clock;
  graceMs: number;
  batchSize?: number;
}

const LIVE_STATES = new Set(["waiting", "delayed", "active", "prioritized", "waiting-children"]);

export async function recoverLostDeliveries(deps: RecoveryDeps): Promise<number> {
  const cutoff = new Date(deps.clock.now().getTime() - deps.graceMs);
  const overdue = await deps.db.delivery.findMany({
    where: { status: "pending", nextAttemptAt: { lt: cutoff } },
    select: { id: true, chain: true, webhookId: true },
    orderBy: { nextAttemptAt: "asc" },
    take: deps.batchSize ?? 500,
  });
  let recovered = 0;
  for (const d of overdue) {
    const jobId = jobIdFor(d.id, d.chain);
    const job = await deps.queue.getJob(jobId);
    if (job) {
      if (LIVE_STATES.has(await job.getState())) continue;
      await job.remove();
    }
    await deps.queue.add("deliver", { deliveryId: d.id, chain: d.chain, webhookId: d.webhookId }, { jobId });
    recovered++;
  }
  return recovered;
}

/**
 * Runs the sweep every `intervalMs` in one process at a time (a Redis lease), so several
 * workers do not all scan the same rows.
 */
export function startRecoveryLoop(opts: RecoveryDeps & { redis: Redis; prefix: string; intervalMs: number; logger: Logger }): () => Promise<void> {
  const lockKey = `${opts.prefix}:recovery-lock`;
  let running: Promise<void> | null = null;
  const sweep = async () => {
    const got = await opts.redis.set(lockKey, String(process.pid), "PX", Math.max(opts.intervalMs, 1_000), "NX");
    if (got !== "OK") return;
    const n = await recoverLostDeliveries(opts);
    if (n > 0) opts.logger.warn({ recovered: n }, "re-enqueued deliveries that had no job");
  };
  const timer = setInterval(() => {
    if (running) return;
    running = sweep()
      .catch((err: unknown) => opts.logger.warn({ err: err instanceof Error ? err.message : err }, "recovery sweep failed"))
      .finally(() => {
        running = null;
      });
  }, opts.intervalMs);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
