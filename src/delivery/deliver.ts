import { afterFailure } from "../health/failure-tracker";
import type { Logger } from "../lib/logger";
import type { SecretBox } from "../lib/secret-box";
import { sendAttempt, signingFor, type AttemptDeps, type AttemptRecord } from "./attempt";
import type { Settlement } from "./delivery-store";
import type { InFlightLimiter } from "./inflight-limiter";
import type { DeliveryJobData } from "./queue";
import { judgeAttempt, type AttemptVerdict, type RetryPolicy } from "./retry-policy";
import type { DeliveryStore } from "./store";

/**
 * One delivery attempt as named steps: prepare (load, skip what must not be sent) → attempt
 * (sign, POST, log) → settle (schedule the next try or finish, track the webhook's health).
 * Returns what the queue should do with the job; it never throws for anything the receiver
 * did, only when our own infrastructure fails (and then BullMQ retries the job).
 */
export type JobOutcome = { kind: "finished"; detail: string } | { kind: "later"; delayMs: number; detail: string };

export interface DeliverDeps extends AttemptDeps {
  store: DeliveryStore;
  secretBox: SecretBox;
  minSecretLength: number;
  limiter: InFlightLimiter;
  policy: RetryPolicy;
  disableAfterMs: number;
  logger: Logger;
  random?: () => number;
}

/** A webhook at its in-flight limit: look again soon, without spending an attempt. */
const BUSY_RETRY_MS = [200, 1_000] as const;

export async function deliver(deps: DeliverDeps, job: DeliveryJobData): Promise<JobOutcome> {
  // A job that names its webhook asks for the lease while the delivery loads: one round trip
  // less between picking the job up and the POST.
  const early = job.webhookId ? leaseRequest(deps, job.webhookId) : null;
  let loaded: Awaited<ReturnType<typeof prepare>>;
  try {
    loaded = await prepare(deps, job);
  } catch (err) {
    await early?.drop();
    throw err;
  }
  if (loaded.kind === "finished") {
    await early?.drop();
    return loaded;
  }
  const { delivery } = loaded;

  let lease: string | null;
  if (early && job.webhookId === delivery.webhookId) lease = await early.token;
  else {
    await early?.drop();
    lease = await deps.limiter.acquire(delivery.webhookId);
  }
  if (!lease) {
    const [min, max] = BUSY_RETRY_MS;
    return { kind: "later", delayMs: Math.round(min + (max - min) * (deps.random ?? Math.random)()), detail: "webhook at its in-flight limit" };
  }
  const attemptNumber = delivery.attemptCount + 1;
  const chainAttempt = delivery.chainAttempts + 1;
  let sent: AttemptRecord;
  try {
    sent = await sendAttempt(deps, {
      delivery,
      event: delivery.event,
      url: delivery.webhook.url,
      ...signingFor(delivery.webhook, { ...deps, now: deps.clock.now() }),
      attemptNumber,
    });
  } finally {
    await deps.limiter.release(delivery.webhookId, lease).catch(() => undefined);
  }
  const verdict = judgeAttempt(sent.outcome, chainAttempt, deps.policy, sent.startedAt, (deps.random ?? Math.random)());
  await settle(deps, job, delivery.webhookId, sent, verdict, attemptNumber, chainAttempt);
  return verdict.kind === "retry"
    ? { kind: "later", delayMs: verdict.delayMs, detail: verdict.reason }
    : { kind: "finished", detail: verdict.kind === "delivered" ? "delivered" : verdict.reason };
}

/** A lease asked for ahead of need; `drop` gives it back if it was granted and is not used. */
function leaseRequest(deps: DeliverDeps, webhookId: string) {
  const token = deps.limiter.acquire(webhookId);
  // Awaited later (or dropped); until then a Redis error must not surface as an unhandled rejection.
  token.catch(() => undefined);
  return {
    token,
    async drop() {
      const granted = await token.catch(() => null);
      if (granted) await deps.limiter.release(webhookId, granted).catch(() => undefined);
    },
  };
}

async function prepare(deps: DeliverDeps, job: DeliveryJobData) {
  const delivery = await deps.store.load(job.deliveryId);
  // Gone (its webhook was deleted), already settled, or superseded by a redelivery.
  if (!delivery) return { kind: "finished" as const, detail: "delivery no longer exists" };
  if (delivery.status !== "pending" || delivery.chain !== job.chain) return { kind: "finished" as const, detail: "not pending in this chain" };
  if (delivery.webhook.status === "disabled") {
    await deps.store.markSkipped(delivery.id, job.chain, `not attempted: webhook disabled (${delivery.webhook.disabledReason ?? "no reason"})`);
    return { kind: "finished" as const, detail: "webhook disabled" };
  }
  return { kind: "ready" as const, delivery };
}

/**
 * Writes the attempt, the webhook's counters and the delivery: one statement for a success;
 * for a failure two, with the failure tracker deciding in between whether to disable.
 */
async function settle(
  deps: DeliverDeps,
  job: DeliveryJobData,
  webhookId: string,
  sent: AttemptRecord,
  verdict: AttemptVerdict,
  attemptNumber: number,
  chainAttempt: number,
): Promise<void> {
  const now = deps.clock.now();
  const retry = verdict.kind === "retry";
  const settlement: Settlement = {
    deliveryId: job.deliveryId,
    chain: job.chain,
    attemptCount: attemptNumber,
    chainAttempts: chainAttempt,
    at: now,
    statusCode: sent.outcome.kind === "response" ? sent.outcome.status : null,
    lastError: verdict.kind === "delivered" ? null : verdict.reason,
    status: verdict.kind === "delivered" ? "succeeded" : retry ? "pending" : "failed",
    nextAttemptAt: retry ? new Date(now.getTime() + verdict.delayMs) : null,
  };
  if (verdict.kind === "delivered") return deps.store.recordSuccess(sent.row, settlement);

  const state = await deps.store.recordFailure(sent.row, now);
  const signal = state ? afterFailure(state, now, deps.disableAfterMs, verdict.kind === "gone") : { kind: "none" as const };
  await deps.store.settleFailure(webhookId, settlement, signal.kind === "disable" ? signal.reason : null);
  if (signal.kind === "disable") deps.logger.warn({ webhookId, reason: signal.reason }, "webhook disabled");
}
