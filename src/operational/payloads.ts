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

/** The webhook a notice is about, as the customer knows it. */
export interface NoticeWebhook {
  id: string;
  url: string;
  description: string | null;
}

export interface WebhookDisabledData {
  webhook: NoticeWebhook;
  /** The stored reason, in English (as the API's `disabledReason`). */
  reason: string;
  /** "gone" (the endpoint answered 410) or "failing" (every attempt failed for the disable window). */
  reasonCode: "gone" | "failing";
  disabledAt: string;
}

export interface WebhookFailingData {
  webhook: NoticeWebhook;
  consecutiveFailures: number;
  failingSince: string | null;
  /** Why the attempt that crossed the threshold failed. */
  lastError: string;
}

export interface WebhookRecoveredData {
  webhook: NoticeWebhook;
  /** When the run of failures it recovered from began. */
  failingSince: string | null;
  recoveredAt: string;
}

export interface DeliveryExhaustedData {
  webhook: NoticeWebhook;
  delivery: { id: string; eventId: string; eventType: string; attempts: number };
  lastError: string;
  lastStatusCode: number | null;
  /** Deliveries of this webhook that also ended failed since the previous notice, folded into this one (see policy.ts). */
  alsoExhausted: number;
}

export type OperationalEventData = {
  "webhook.disabled": WebhookDisabledData;
  "webhook.failing": WebhookFailingData;
  "webhook.recovered": WebhookRecoveredData;
  "delivery.exhausted": DeliveryExhaustedData;
};
