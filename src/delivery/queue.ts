import { Queue } from "bullmq";
import type { Redis, RedisOptions } from "ioredis";
import type { EnqueueDeliveries } from "../events/service";
import type { Publish, Scheduler } from "../scheduler/scheduler";
import { memberFor, parseMember, ticketFor, type Dispatched } from "../scheduler/tickets";

export const DELIVERY_QUEUE = "deliveries";

/**
 * One job per attempt the scheduler dispatched (src/scheduler/): the job id is the ticket's
 * member, `<delivery>-<chain>-<attempt>`, so an attempt is never queued twice, whoever asks.
 * Jobs live only from dispatch to the end of the attempt; everything waiting waits in the
 * scheduler, where waiting costs nothing.
 */
export interface DeliveryJobData {
  deliveryId: string;
  chain: number;
  /** Attempts this chain had made when the attempt was queued (absent in jobs queued before the scheduler). */
  attempt?: number;
  webhookId?: string;
  accountId?: string;
}

export function createDeliveryQueue(connection: RedisOptions, prefix: string): Queue<DeliveryJobData> {
  return new Queue<DeliveryJobData>(DELIVERY_QUEUE, {
    connection,
    prefix,
    // The delivery's own retries are the scheduler's (a new ticket per attempt); BullMQ's
    // attempts only cover a processor that failed on infrastructure (Postgres down…), and the
    // worker queues the attempt again once they are used up, so a failed job need not be kept.
    defaultJobOptions: {
      attempts: 8,
      backoff: { type: "exponential", delay: 1_000 },
      removeOnComplete: true,
      removeOnFail: true,
    },
    streams: { events: { maxLen: 10_000 } },
  });
}

/** The key prefix of the queue's own keys (its wait list, its jobs), which the scheduler's scripts read. */
export function bullKeyPrefix(prefix: string): string {
  return `${prefix}:${DELIVERY_QUEUE}`;
}

/** What a job (or a ticket a running job takes on) carries for a dispatched ticket; null for a name that is no attempt. */
export function jobDataFor(d: Dispatched): DeliveryJobData | null {
  const ref = parseMember(d.member);
  return ref ? { ...ref, webhookId: d.webhookId, accountId: d.accountId } : null;
}

/** The ticket a job's data stands for (jobs from before the scheduler: its first attempt). */
export function memberOf(data: DeliveryJobData): string {
  return memberFor({ deliveryId: data.deliveryId, chain: data.chain, attempt: data.attempt ?? 0 });
}

/** Dispatched tickets become jobs, all in one `addBulk`. */
export function jobPublisher(queue: Queue<DeliveryJobData>): Publish {
  return async (dispatched) => {
    await queue.addBulk(
      dispatched.flatMap((d) => {
        const data = jobDataFor(d);
        return data ? [{ name: "deliver", data, opts: { jobId: d.member } }] : [];
      }),
    );
  };
}

/**
 * The API's enqueue step. Bounded in time: with Redis down it must not hold the request,
 * whose event is already committed and will be found by the recovery sweep.
 */
export function schedulingEnqueuer(scheduler: Scheduler, redis: Redis, timeoutMs: number): EnqueueDeliveries {
  return async (deliveries) => {
    // Known to be down: fail at once instead of waiting out the timeout on every request.
    if (redis.status !== "ready") throw new Error(`redis is ${redis.status}`);
    const queued = scheduler.enqueue(deliveries.map((d) => ticketFor(d, d.dueAt.getTime())));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`enqueue took longer than ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([queued, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}
