import { z } from "../lib/zod";

/**
 * The operational events hookrelay emits about an account's own webhooks, as their payloads
 * go out (the `data` of the event). Built-in event types: an account subscribes a webhook to
 * them like to any other (src/event-types/catalog.ts has their samples). A notice is never
 * delivered to the webhook it is about.
 */
export const OPERATIONAL_EVENT_TYPES = ["webhook.disabled", "webhook.failing", "webhook.recovered", "delivery.exhausted"] as const;
export type OperationalEventType = (typeof OPERATIONAL_EVENT_TYPES)[number];

export function isOperationalEventType(type: string): type is OperationalEventType {
  return (OPERATIONAL_EVENT_TYPES as readonly string[]).includes(type);
}

/*
 * The payloads as zod schemas: the types below are read from them, and the API's OpenAPI
 * document (src/http/routes/notices.ts) publishes them, so the two cannot drift apart.
 */
/** The webhook a notice is about, as the customer knows it. */
const NoticeWebhook = z.object({ id: z.string(), url: z.string(), description: z.string().nullable() });
const at = z.string().datetime();

export const WebhookDisabledPayload = z
  .object({
    webhook: NoticeWebhook,
    reason: z.string().openapi({ description: "The stored reason, in English (as the webhook's `disabledReason`)." }),
    reasonCode: z.enum(["gone", "failing"]).openapi({ description: "`gone`: the endpoint answered 410. `failing`: every attempt failed for the disable window." }),
    disabledAt: at,
  })
  .openapi("WebhookDisabledData");

export const WebhookFailingPayload = z
  .object({
    webhook: NoticeWebhook,
    consecutiveFailures: z.number().int(),
    failingSince: at.nullable(),
    lastError: z.string().openapi({ description: "Why the attempt that crossed the warning threshold failed." }),
  })
  .openapi("WebhookFailingData");

export const WebhookRecoveredPayload = z
  .object({
    webhook: NoticeWebhook,
    failingSince: at.nullable().openapi({ description: "When the run of failures it recovered from began." }),
    recoveredAt: at,
  })
  .openapi("WebhookRecoveredData");

export const DeliveryExhaustedPayload = z
  .object({
    webhook: NoticeWebhook,
    delivery: z.object({ id: z.string(), eventId: z.string(), eventType: z.string(), attempts: z.number().int() }),
    lastError: z.string(),
    lastStatusCode: z.number().int().nullable(),
    alsoExhausted: z.number().int().openapi({ description: "Deliveries of this webhook that also ended failed since the previous notice, folded into this one." }),
  })
  .openapi("DeliveryExhaustedData");

export type NoticeWebhook = z.infer<typeof NoticeWebhook>;
export type WebhookDisabledData = z.infer<typeof WebhookDisabledPayload>;
export type WebhookFailingData = z.infer<typeof WebhookFailingPayload>;
export type WebhookRecoveredData = z.infer<typeof WebhookRecoveredPayload>;
export type DeliveryExhaustedData = z.infer<typeof DeliveryExhaustedPayload>;

export type OperationalEventData = {
  "webhook.disabled": WebhookDisabledData;
  "webhook.failing": WebhookFailingData;
  "webhook.recovered": WebhookRecoveredData;
  "delivery.exhausted": DeliveryExhaustedData;
};
