import type { EventTypesService } from "../event-types/service";
import type { Webhook } from "../generated/prisma/client";
import { unprocessable } from "../lib/errors";
import { deliveryIdFor, newId } from "../lib/ids";
import type { Db, Sql } from "../lib/prisma";
import type { SecretBox } from "../lib/secret-box";
import { makeAttempt, signingFor, type AttemptDeps } from "./attempt";
import { describeFailure } from "./retry-policy";
import { liveWebhook } from "../webhooks/owned";
import { clientIdentityFor } from "../webhooks/client-certificate";
import { noMetrics, type Metrics } from "../metrics/metrics";

/**
 * What a sample request goes to and carries: the account's webhook and a sample of one type
 * (the first it subscribes to unless named). Shared by the test event and the signature check.
 */
export async function sampleTarget(
  deps: { db: Db; eventTypes: EventTypesService },
  accountId: string,
  webhookId: string,
  requestedType?: string,
): Promise<{ webhook: Webhook; type: string; sample: Record<string, unknown> }> {
  // A deleted webhook is sent nothing, not even a test: it is a 404 here.
  const webhook = await liveWebhook(deps.db, accountId, webhookId);
  const type = requestedType ?? webhook.eventTypes[0]!;
  const sample = await deps.eventTypes.sample(accountId, type);
  if (!sample) throw unprocessable("unknown_event_types", `unknown event type: ${type}; see GET /v1/event-types`, { unknown: [type] });
  return { webhook, type, sample };
}

/**
 * The dashboard's "Send test event" button: a sample of one type, sent now, once, with the
 * answer returned to the caller. It is logged like any attempt (flagged as a test) but does
 * not count towards the webhook's failures: trying an endpoint must not disable it.
 */
export function createTestEventSender(deps: AttemptDeps & { db: Db; sql: Sql; secretBox: SecretBox; minSecretLength: number; eventTypes: EventTypesService; metrics?: Metrics }) {
  return async (accountId: string, webhookId: string, requestedType?: string) => {
    const { webhook, type, sample } = await sampleTarget(deps, accountId, webhookId, requestedType);

    const now = deps.clock.now();
    const event = { id: newId("evt", now.getTime()), accountId, type, data: JSON.stringify(sample), isTest: true, createdAt: now };
    const delivery = { id: deliveryIdFor(event.id), accountId, webhookId, eventId: event.id, eventType: type, isTest: true };
    await deps.db.$transaction([deps.db.event.create({ data: event }), deps.db.delivery.create({ data: delivery })]);
    (deps.metrics ?? noMetrics).deliveriesCreated(1, "test", accountId);

    const { outcome, success } = await makeAttempt(deps, {
      delivery,
      event,
      url: webhook.url,
      ...signingFor(webhook, { ...deps, now }),
      clientIdentity: clientIdentityFor(webhook.id, webhook, deps.secretBox),
      attemptNumber: 1,
    });
    const statusCode = outcome.kind === "response" ? outcome.status : null;
    await deps.db.delivery.update({
      where: { id: delivery.id },
      data: {
        status: success ? "succeeded" : "failed",
        attemptCount: 1,
        chainAttempts: 1,
        lastAttemptAt: deps.clock.now(),
        lastStatusCode: statusCode,
        lastError: success ? null : describeFailure(outcome),
      },
    });
    return {
      success,
      statusCode,
      responseTimeMs: outcome.elapsedMs,
      ...(success ? {} : { error: describeFailure(outcome) }),
      ...(outcome.kind === "response" ? { responseBody: outcome.body } : {}),
      deliveryId: delivery.id,
      eventId: event.id,
    };
  };
}

export type SendTestEvent = ReturnType<typeof createTestEventSender>;
