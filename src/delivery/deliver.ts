import { afterFailure } from "../health/failure-tracker";
import type { Logger } from "../lib/logger";
import type { SecretBox } from "../lib/secret-box";
import { makeAttempt, signingFor, type AttemptDeps } from "./attempt";
import { loadForAttempt, settleAttempt, webhookFailed, webhookSucceeded } from "./delivery-store";
import type { InFlightLimiter } from "./inflight-limiter";
import type { DeliveryJobData } from "./queue";
import { judgeAttempt, type AttemptVerdict, type RetryPolicy } from "./retry-policy";

/**
 * One delivery attempt as named steps: prepare (load, skip what must not be sent) → attempt
 * (sign, POST, log) → settle (schedule the next try or finish, track the webhook's health).
 * Returns what the queue should do with the job; it never throws for anything the receiver
 * did, only when our own infrastructure fails (and then BullMQ retries the job).
 */
export type JobOutcome = { kind: "finished"; detail: string } | { kind: "later"; delayMs: number; detail: string };

export interface DeliverDeps extends AttemptDeps {
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
  const loaded = await prepare(deps, job);
  if (loaded.kind === "finished") return loaded;
  const { delivery } = loaded;

  const lease = await deps.limiter.acquire(delivery.webhookId);
  if (!lease) {
    const [min, max] = BUSY_RETRY_MS;
    return { kind: "later", delayMs: Math.round(min + (max - min) * (deps.random ?? Math.random)()), detail: "webhook at its in-flight limit" };
  }
  const attemptNumber = delivery.attemptCount + 1;
  const chainAttempt = delivery.chainAttempts + 1;
  let verdict: AttemptVerdict;
  let statusCode: number | null;
  try {
    const { outcome, startedAt } = await makeAttempt(deps, {
      delivery,
      event: delivery.event,
      url: delivery.webhook.url,
      ...signingFor(delivery.webhook, { ...deps, now: deps.clock.now() }),
      attemptNumber,
    });
    statusCode = outcome.kind === "response" ? outcome.status : null;
    verdict = judgeAttempt(outcome, chainAttempt, deps.policy, startedAt, (deps.random ?? Math.random)());
  } finally {
    await deps.limiter.release(delivery.webhookId, lease).catch(() => undefined);
  }
  // The webhook first, then the delivery: once a delivery reads as settled, its webhook's
  // counters and status (disabled after a 410, say) already say so.
  await trackWebhookHealth(deps, delivery.webhookId, verdict);
  await settleDelivery(deps, job, attemptNumber, chainAttempt, verdict, statusCode);
  return verdict.kind === "retry"
    ? { kind: "later", delayMs: verdict.delayMs, detail: verdict.reason }
    : { kind: "finished", detail: verdict.kind === "delivered" ? "delivered" : verdict.reason };
}

async function prepare(deps: DeliverDeps, job: DeliveryJobData) {
  const delivery = await loadForAttempt(deps.db, job.deliveryId);
  // Gone (its webhook was deleted), already settled, or superseded by a redelivery.
  if (!delivery) return { kind: "finished" as const, detail: "delivery no longer exists" };
  if (delivery.status !== "pending" || delivery.chain !== job.chain) return { kind: "finished" as const, detail: "not pending in this chain" };
  if (delivery.webhook.status === "disabled") {
    await deps.db.delivery.updateMany({
      where: { id: delivery.id, chain: job.chain, status: "pending" },
      data: { status: "skipped", nextAttemptAt: null, lastError: `not attempted: webhook disabled (${delivery.webhook.disabledReason ?? "no reason"})` },
    });
    return { kind: "finished" as const, detail: "webhook disabled" };
  }
  return { kind: "ready" as const, delivery };
}

async function settleDelivery(
  deps: DeliverDeps,
  job: DeliveryJobData,
  attemptNumber: number,
  chainAttempt: number,
  verdict: AttemptVerdict,
  statusCode: number | null,
): Promise<void> {
  const now = deps.clock.now();
  const retry = verdict.kind === "retry";
  await settleAttempt(deps.db, {
    deliveryId: job.deliveryId,
    chain: job.chain,
    attemptCount: attemptNumber,
    chainAttempts: chainAttempt,
    at: now,
    statusCode,
    lastError: verdict.kind === "delivered" ? null : verdict.reason,
    status: verdict.kind === "delivered" ? "succeeded" : retry ? "pending" : "failed",
    nextAttemptAt: retry ? new Date(now.getTime() + verdict.delayMs) : null,
  });
}

/** Consecutive failures up on every failed attempt, back to 0 on any success; disable when the tracker says so. */
async function trackWebhookHealth(deps: DeliverDeps, webhookId: string, verdict: AttemptVerdict): Promise<void> {
  const now = deps.clock.now();
  if (verdict.kind === "delivered") return webhookSucceeded(deps.db, webhookId, now);
  const state = await webhookFailed(deps.db, webhookId, now);
  if (!state) return;
  const signal = afterFailure(state, now, deps.disableAfterMs, verdict.kind === "gone");
  if (signal.kind === "disable") {
    await deps.db.webhook.updateMany({
      where: { id: webhookId, status: "active" },
      data: { status: "disabled", disabledReason: signal.reason, disabledAt: now },
    });
    deps.logger.warn({ webhookId, reason: signal.reason }, "webhook disabled");
  }
}
