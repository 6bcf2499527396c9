import { afterFailure } from "../health/failure-tracker";
import type { Logger } from "../lib/logger";
import type { SecretBox } from "../lib/secret-box";
import type { Scheduler } from "../scheduler/scheduler";
import { memberFor, ticketFor, type Slot, type Ticket } from "../scheduler/tickets";
import { sendAttempt, signingFor, type AttemptDeps, type AttemptRecord } from "./attempt";
import type { DeliveryForAttempt, Settlement } from "./delivery-store";
import type { DeliveryJobData } from "./queue";
import { judgeAttempt, type AttemptVerdict, type RetryPolicy } from "./retry-policy";
import type { DeliveryStore } from "./store";

/**
 * One dispatched attempt as named steps: triage (load; drop, skip or catch up on what must not
 * be sent) → attempt (sign, POST, log) → settle (record the outcome, track the webhook's
 * health) → release (free the webhook's in-flight slot, queueing the retry in the same step).
 * It never throws for anything the receiver did, only when our own infrastructure fails (and
 * then BullMQ runs the job again).
 */
export interface DeliverDeps extends AttemptDeps {
  store: DeliveryStore;
  secretBox: SecretBox;
  minSecretLength: number;
  scheduler: Pick<Scheduler, "release" | "reacquire">;
  policy: RetryPolicy;
  disableAfterMs: number;
  logger: Logger;
  random?: () => number;
}

export interface DeliveryJob {
  data: DeliveryJobData;
  /** BullMQ started this job before (its worker died, or it threw): its slot may have been freed. */
  rerun: boolean;
}

/** What a dispatched job must do, decided from the delivery as Postgres has it now. */
export type Triage =
  | { kind: "drop"; detail: string }
  | { kind: "skip"; delivery: DeliveryForAttempt }
  /** This attempt was made already (the job ran before and died after settling): queue the one that follows. */
  | { kind: "catch_up"; next: Ticket }
  | { kind: "attempt"; delivery: DeliveryForAttempt };

export function triage(delivery: DeliveryForAttempt | null, job: DeliveryJobData): Triage {
  // Gone (its webhook was deleted), already settled, or superseded by a redelivery.
  if (!delivery) return { kind: "drop", detail: "delivery no longer exists" };
  if (delivery.status !== "pending" || delivery.chain !== job.chain) return { kind: "drop", detail: "not pending in this chain" };
  // Jobs from before the scheduler name no attempt: they stand for the next one. Postgres is
  // ahead of Redis, never behind, so the attempt made is always the delivery's next.
  if ((job.attempt ?? delivery.chainAttempts) < delivery.chainAttempts) {
    return { kind: "catch_up", next: ticketFor(delivery, delivery.nextAttemptAt?.getTime() ?? 0) };
  }
  if (delivery.webhook.status === "disabled") return { kind: "skip", delivery };
  return { kind: "attempt", delivery };
}

export async function deliver(deps: DeliverDeps, job: DeliveryJob): Promise<string> {
  const { data } = job;
  const delivery = await deps.store.load(data.deliveryId);
  const slot: Slot = { member: memberFor({ deliveryId: data.deliveryId, chain: data.chain, attempt: data.attempt ?? 0 }), webhookId: delivery?.webhookId ?? data.webhookId ?? "" };
  const step = triage(delivery, data);
  switch (step.kind) {
    case "drop":
      await deps.scheduler.release(slot);
      return step.detail;
    case "catch_up":
      await deps.scheduler.release(slot, step.next);
      return "attempt already made; the next one is queued";
    case "skip": {
      const reason = step.delivery.webhook.disabledReason ?? "no reason";
      await deps.store.markSkipped(step.delivery.id, data.chain, `not attempted: webhook disabled (${reason})`);
      await deps.scheduler.release(slot);
      return "webhook disabled";
    }
    case "attempt":
      return attempt(deps, job, slot, step.delivery);
  }
}

async function attempt(deps: DeliverDeps, job: DeliveryJob, slot: Slot, delivery: DeliveryForAttempt): Promise<string> {
  // A job that ran before may have freed its slot before dying; it may go only with one, and
  // otherwise waits in line again at its old place.
  const again = { ...ticketFor(delivery, delivery.nextAttemptAt?.getTime() ?? deps.clock.now().getTime()), member: slot.member };
  if (job.rerun && !(await deps.scheduler.reacquire(again))) return "webhook at its in-flight cap: back in line";
  const attemptNumber = delivery.attemptCount + 1;
  const chainAttempt = delivery.chainAttempts + 1;
  const sent = await sendAttempt(deps, {
    delivery,
    event: delivery.event,
    url: delivery.webhook.url,
    ...signingFor(delivery.webhook, { ...deps, now: deps.clock.now() }),
    attemptNumber,
  });
  const verdict = judgeAttempt(sent.outcome, chainAttempt, deps.policy, sent.startedAt, (deps.random ?? Math.random)());
  const settlement = settlementFor(job.data, sent, verdict, attemptNumber, chainAttempt, deps.clock.now());
  if (verdict.kind === "delivered") {
    // The slot is free as soon as the endpoint answered; the write need not hold it.
    await Promise.all([deps.scheduler.release(slot), deps.store.recordSuccess(sent.row, settlement)]);
    return "delivered";
  }
  await settleFailure(deps, delivery.webhookId, sent, settlement, verdict);
  // The retry is queued only once Postgres says it is due; a job that dies before this is run
  // again, finds the attempt made and queues it then (triage's catch_up).
  const next = settlement.nextAttemptAt ? ticketFor({ ...delivery, chainAttempts: chainAttempt }, settlement.nextAttemptAt.getTime()) : undefined;
  await deps.scheduler.release(slot, next);
  return verdict.reason;
}

function settlementFor(job: DeliveryJobData, sent: AttemptRecord, verdict: AttemptVerdict, attemptCount: number, chainAttempts: number, now: Date): Settlement {
  const retry = verdict.kind === "retry";
  return {
    deliveryId: job.deliveryId,
    chain: job.chain,
    attemptCount,
    chainAttempts,
    at: now,
    statusCode: sent.outcome.kind === "response" ? sent.outcome.status : null,
    lastError: verdict.kind === "delivered" ? null : verdict.reason,
    status: verdict.kind === "delivered" ? "succeeded" : retry ? "pending" : "failed",
    nextAttemptAt: retry ? new Date(now.getTime() + verdict.delayMs) : null,
  };
}

/** The attempt-log row and the webhook's failure run first; then the delivery, disabling the webhook if the tracker says so. */
async function settleFailure(deps: DeliverDeps, webhookId: string, sent: AttemptRecord, settlement: Settlement, verdict: AttemptVerdict): Promise<void> {
  const now = settlement.at;
  const state = await deps.store.recordFailure(sent.row, now);
  const signal = state ? afterFailure(state, now, deps.disableAfterMs, verdict.kind === "gone") : { kind: "none" as const };
  await deps.store.settleFailure(webhookId, settlement, signal.kind === "disable" ? signal.reason : null);
  if (signal.kind === "disable") deps.logger.warn({ webhookId, reason: signal.reason }, "webhook disabled");
}
