import { afterFailure } from "../health/failure-tracker";
import { noticesAfterFailure, type NoticePolicy } from "../operational/policy";
import type { Logger } from "../lib/logger";
import { recordAttempt } from "../metrics/attempt-metrics";
import { noMetrics, type Metrics } from "../metrics/metrics";
import type { SecretBox } from "../lib/secret-box";
import type { Scheduler } from "../scheduler/scheduler";
import type { Tracing } from "../tracing/tracing";
import { ticketFor, type Dispatched, type Slot, type Ticket } from "../scheduler/tickets";
import { sendAttempt, signingFor, type AttemptDeps, type AttemptRecord } from "./attempt";
import type { DeliveryForAttempt, Settlement } from "./delivery-store";
import { jobDataFor, memberOf, type DeliveryJobData } from "./queue";
import { judgeAttempt, type AttemptVerdict, type RetryPolicy } from "./retry-policy";
import type { DeliveryStore } from "./store";
import { clientIdentityFor } from "../webhooks/client-certificate";
import { CANCELLED_BY_DELETE } from "../webhooks/deletion";

/**
 * One dispatched attempt as named steps: triage (load; drop, skip or catch up on what must not
 * be sent) → attempt (sign, POST, log) → settle (record the outcome, track the webhook's
 * health) → release (free the webhook's in-flight slot, queueing the retry in the same step,
 * and perhaps taking on the next ticket in fair order). A job runs its own ticket and then
 * those it takes on. It never throws for anything the receiver did, only when our own
 * infrastructure fails (and then BullMQ runs the job again).
 */
export interface DeliverDeps extends AttemptDeps {
  store: DeliveryStore;
  secretBox: SecretBox;
  minSecretLength: number;
  scheduler: Pick<Scheduler, "release" | "reacquire">;
  policy: RetryPolicy;
  disableAfterMs: number;
  /** When failures raise operational events (src/operational/policy.ts). */
  notices: NoticePolicy;
  /** Told when a settlement wrote operational events, so that they go out without waiting for the relay's next poll. */
  onNotices?: () => void;
  logger: Logger;
  random?: () => number;
  /** Attempts, latencies and give-ups are counted (src/metrics/) when given. */
  metrics?: Metrics;
  /** Each attempt gets a span (src/tracing/) when given and on. */
  tracing?: Pick<Tracing, "attempt">;
}

export interface DeliveryJob {
  data: DeliveryJobData;
  /** BullMQ started this job before (its worker died, or it threw): its slot may have been freed. */
  rerun: boolean;
  /** "<job id>|<lock token>": lets the job go on with the next ticket as it frees a slot (null: never). */
  holder: string | null;
  /** True once the worker is stopping: the job takes on nothing new. */
  stopping(): boolean;
}

/** Tickets one job runs in a row at most, so that a job stays a bounded unit of work. */
const CHAIN_LIMIT = 500;

/** The ticket a job runs now: the one it was created for, or one it went on with. */
interface Current {
  data: DeliveryJobData;
  rerun: boolean;
  continued: boolean;
}

interface Ran {
  detail: string;
  next: Dispatched | null;
  /** The job's own ticket's success, still being written (its slot was freed beside it). */
  settling?: Promise<void>;
}

/** What a dispatched job must do, decided from the delivery as Postgres has it now. */
export type Triage =
  | { kind: "drop"; detail: string }
  | { kind: "skip"; delivery: DeliveryForAttempt }
  /** Its webhook was deleted: it ends cancelled, like those the delete cancelled itself. */
  | { kind: "cancel"; delivery: DeliveryForAttempt }
  /** This attempt was made already (the job ran before and died after settling): queue the one that follows. */
  | { kind: "catch_up"; next: Ticket }
  | { kind: "attempt"; delivery: DeliveryForAttempt };

export function triage(delivery: DeliveryForAttempt | null, job: DeliveryJobData): Triage {
  // Gone (past retention, or its deleted webhook purged), already settled, or superseded by a redelivery.
  if (!delivery) return { kind: "drop", detail: "delivery no longer exists" };
  if (delivery.status !== "pending" || delivery.chain !== job.chain) return { kind: "drop", detail: "not pending in this chain" };
  // Before catching up: a deleted webhook's delivery is not queued again, not even for later.
  if (delivery.webhook.status === "deleted") return { kind: "cancel", delivery };
  // Jobs from before the scheduler name no attempt: they stand for the next one. Postgres is
  // ahead of Redis, never behind, so the attempt made is always the delivery's next.
  if ((job.attempt ?? delivery.chainAttempts) < delivery.chainAttempts) {
    return { kind: "catch_up", next: ticketFor(delivery, delivery.nextAttemptAt?.getTime() ?? 0) };
  }
  if (delivery.webhook.status === "disabled") return { kind: "skip", delivery };
  return { kind: "attempt", delivery };
}

/**
 * Runs the job's ticket and, while the scheduler hands it more as it frees slots (and the worker
 * is not stopping), the tickets it goes on with. The job is finished only once its own ticket's
 * outcome has committed (those it went on with commit before their slots are freed).
 */
export async function deliver(deps: DeliverDeps, job: DeliveryJob): Promise<string> {
  let current: Current | null = { data: job.data, rerun: job.rerun, continued: false };
  let own: Promise<void> | undefined;
  let first = "";
  let ran = 0;
  try {
    while (current) {
      const continueAs = job.holder && !job.stopping() && ran + 1 < CHAIN_LIMIT ? job.holder : undefined;
      const r = await runTicket(deps, current, continueAs);
      if (ran++ === 0) first = r.detail;
      own ??= r.settling;
      current = r.next ? { data: continued(r.next), rerun: false, continued: true } : null;
    }
  } catch (err) {
    // BullMQ runs the job again: its own ticket must be written (or not) by then, not half-way.
    await own?.catch(() => undefined);
    throw err;
  }
  // A failed write throws: BullMQ runs the job again, and its ticket, still pending, is sent again.
  await own;
  return ran > 1 ? `${first}; then ${ran - 1} more` : first;
}

function continued(d: Dispatched): DeliveryJobData {
  const data = jobDataFor(d);
  if (!data) throw new Error(`scheduler handed out a ticket that names no attempt: ${d.member}`);
  return data;
}

async function runTicket(deps: DeliverDeps, current: Current, continueAs: string | undefined): Promise<Ran> {
  const { data } = current;
  const delivery = await deps.store.load(data.deliveryId);
  const slot: Slot = { member: memberOf(data), webhookId: delivery?.webhookId ?? data.webhookId ?? "" };
  let step = triage(delivery, data);
  if (current.rerun && step.kind === "attempt") {
    // A job that ran before may have freed its slot before dying; it may go only with one, and
    // otherwise waits in line again at its old place.
    const again = { ...ticketFor(step.delivery, step.delivery.nextAttemptAt?.getTime() ?? deps.clock.now().getTime()), member: slot.member };
    if (!(await deps.scheduler.reacquire(again))) return { detail: "webhook at its in-flight cap: back in line", next: null };
    // Read again once the slot is held: a webhook's delete waits for its slots to empty
    // (src/webhooks/service.ts, remove), so only a read made under a slot may send.
    step = triage(await deps.store.load(data.deliveryId), data);
  }
  switch (step.kind) {
    case "drop":
      return { detail: step.detail, next: await deps.scheduler.release(slot, undefined, continueAs) };
    case "catch_up":
      return { detail: "attempt already made; the next one is queued", next: await deps.scheduler.release(slot, step.next, continueAs) };
    case "skip": {
      const reason = step.delivery.webhook.disabledReason ?? "no reason";
      await deps.store.markSkipped(step.delivery.id, data.chain, `not attempted: webhook disabled (${reason})`);
      return { detail: "webhook disabled", next: await deps.scheduler.release(slot, undefined, continueAs) };
    }
    case "cancel":
      await deps.store.markCancelled(step.delivery.id, data.chain, CANCELLED_BY_DELETE);
      return { detail: "webhook deleted", next: await deps.scheduler.release(slot, undefined, continueAs) };
    case "attempt":
      return attempt(deps, current, slot, step.delivery, continueAs);
  }
}

async function attempt(deps: DeliverDeps, current: Current, slot: Slot, delivery: DeliveryForAttempt, continueAs: string | undefined): Promise<Ran> {
  const attemptNumber = delivery.attemptCount + 1;
  const chainAttempt = delivery.chainAttempts + 1;
  // Null with tracing off. Should the attempt throw (our bug, not the receiver), the span is dropped unended.
  const traced = deps.tracing?.attempt(delivery.event.traceContext, { delivery, event: delivery.event, url: delivery.webhook.url, attemptNumber }) ?? null;
  const sent = await sendAttempt(deps, {
    delivery,
    event: delivery.event,
    url: delivery.webhook.url,
    ...signingFor(delivery.webhook, { ...deps, now: deps.clock.now() }),
    clientIdentity: clientIdentityFor(delivery.webhookId, delivery.webhook, deps.secretBox),
    attemptNumber,
    extraHeaders: traced?.headers,
  });
  traced?.end(sent);
  const verdict = judgeAttempt(sent.outcome, chainAttempt, deps.policy, sent.startedAt, (deps.random ?? Math.random)());
  const settlement = settlementFor(current.data, sent, verdict, attemptNumber, chainAttempt, deps.clock.now());
  recordAttempt(deps.metrics ?? noMetrics, sent.outcome, verdict, { accountId: delivery.accountId, eventCreatedAt: delivery.event.createdAt, now: settlement.at });
  if (verdict.kind === "delivered") {
    const settling = deps.store.recordSuccess(sent.row, settlement);
    if (current.continued) {
      // A ticket taken on by a running job has no job of its own: only its slot says it is
      // being attempted, so the slot is held until the outcome is written, or the recovery
      // sweep could find the delivery pending and absent from Redis, and send it again.
      await settling;
      return { detail: "delivered", next: await deps.scheduler.release(slot, undefined, continueAs) };
    }
    // The job's own ticket is covered by the job until it ends: its slot is free as soon as
    // the endpoint answered, and the job goes on with its next ticket while the write commits.
    settling.catch(() => undefined); // awaited by deliver()
    return { detail: "delivered", next: await deps.scheduler.release(slot, undefined, continueAs), settling };
  }
  await settleFailure(deps, delivery, sent, settlement, verdict);
  // The retry is queued only once Postgres says it is due; a job that dies before this is run
  // again, finds the attempt made and queues it then (triage's catch_up).
  const next = settlement.nextAttemptAt ? ticketFor({ ...delivery, chainAttempts: chainAttempt }, settlement.nextAttemptAt.getTime()) : undefined;
  return { detail: verdict.reason, next: await deps.scheduler.release(slot, next, continueAs) };
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

/**
 * The attempt-log row and the webhook's failure run first; then the delivery, disabling the
 * webhook if the tracker says so, with the operational events this failure raises, if any
 * (src/operational/): those commit with the settlement, in one transaction.
 */
async function settleFailure(deps: DeliverDeps, delivery: DeliveryForAttempt, sent: AttemptRecord, settlement: Settlement, verdict: AttemptVerdict): Promise<void> {
  const now = settlement.at;
  const state = await deps.store.recordFailure(sent.row, now);
  const signal = state ? afterFailure(state, now, deps.disableAfterMs, verdict.kind === "gone") : { kind: "none" as const };
  const disable = signal.kind === "disable" ? signal : null;
  const candidates = state
    ? noticesAfterFailure({ state, disabling: disable !== null, givingUp: settlement.status === "failed", eventType: delivery.eventType, isTest: delivery.isTest }, now, deps.notices)
    : [];
  if (candidates.length === 0) {
    await deps.store.settleFailure(settlement);
  } else {
    const written = await deps.store.settleFailureWithNotices(
      {
        settlement,
        webhookId: delivery.webhookId,
        deliveryId: delivery.id,
        eventId: delivery.event.id,
        eventType: delivery.eventType,
        disable: disable && { reason: disable.reason, code: disable.code },
        lastError: settlement.lastError ?? "failed",
        lastStatusCode: settlement.statusCode,
        attempts: settlement.attemptCount,
        at: now,
      },
      candidates,
      deps.notices,
    );
    if (written > 0) deps.onNotices?.();
  }
  if (disable) deps.logger.warn({ webhookId: delivery.webhookId, reason: disable.reason }, "webhook disabled");
}
