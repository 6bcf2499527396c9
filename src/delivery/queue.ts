import { Queue } from "bullmq";
import type { Redis, RedisOptions } from "ioredis";
import type { EnqueueDeliveries } from "../events/service";
import { microBatch } from "../lib/micro-batch";

export const DELIVERY_QUEUE = "deliveries";

export interface DeliveryJobData {
  deliveryId: string;
  chain: number;
  /** Lets the worker ask for the webhook's in-flight lease while it loads the delivery (optional: older jobs lack it). */
  webhookId?: string;
}

/**
 * One job per delivery chain, keyed by delivery id and chain, so enqueueing a delivery twice
 * (the API after commit, the recovery sweep, a second worker) adds it once. BullMQ refuses
 * ":" in custom ids, hence the dash.
 */
export function jobIdFor(deliveryId: string, chain: number): string {
  return `${deliveryId}-${chain}`;
}

export function createDeliveryQueue(connection: RedisOptions, prefix: string): Queue<DeliveryJobData> {
  return new Queue<DeliveryJobData>(DELIVERY_QUEUE, {
    connection,
    prefix,
    // The delivery's own retries are ours (retry-policy.ts, via moveToDelayed); BullMQ's
    // attempts only cover a processor that crashed on infrastructure (Postgres down…).
    defaultJobOptions: {
      attempts: 8,
      backoff: { type: "exponential", delay: 1_000 },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
    },
    streams: { events: { maxLen: 10_000 } },
  });
}

/**
 * The API's enqueue step. Bounded in time: with Redis down it must not hold the request,
 * whose event is already committed and will be found by the recovery sweep.
 */
export function queueEnqueuer(queue: Queue<DeliveryJobData>, redis: Redis, timeoutMs: number): EnqueueDeliveries {
  // Concurrent requests' deliveries go to Redis in one addBulk.
  const addTogether = microBatch<{ id: string; chain: number; webhookId?: string }[], void>({
    maxSize: 50,
    maxConcurrent: 4,
    run: async (lists) => {
      await queue.addBulk(
        lists.flat().map((d) => ({
          name: "deliver",
          data: { deliveryId: d.id, chain: d.chain, ...(d.webhookId ? { webhookId: d.webhookId } : {}) },
          opts: { jobId: jobIdFor(d.id, d.chain) },
        })),
      );
      return lists.map(() => undefined);
    },
  });
  return async (deliveries) => {
    // Known to be down: fail at once instead of waiting out the timeout on every request.
    if (redis.status !== "ready") throw new Error(`redis is ${redis.status}`);
    const add = addTogether(deliveries);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`enqueue took longer than ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([add, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}
