import type { CatalogEventType } from "../event-types/catalog";
import type { OperationalEventData, OperationalEventType } from "./payloads";

const SAMPLE_WEBHOOK = { id: "wh_01JH2Q7X4M9C3V8B6N5R1T0WZK", url: "https://hooks.example.com/orki", description: "CRM sync" };

/** Each operational event's sample, typed by its payload so the catalog cannot drift from what is sent. */
const SAMPLES: { [T in OperationalEventType]: { description: string; sample: OperationalEventData[T] } } = {
  "webhook.disabled": {
    description: "hookrelay disabled one of your webhooks: its endpoint answered 410 Gone, or every attempt failed for the disable window. Re-enable it once the endpoint works again.",
    sample: { webhook: SAMPLE_WEBHOOK, reason: "the endpoint answered 410 Gone", reasonCode: "gone", disabledAt: "2026-01-15T09:42:00.000Z" },
  },
  "webhook.failing": {
    description: "One of your webhooks crossed the failure warning threshold: that many attempts in a row failed. Sent once per run of failures, at most once per cooldown.",
    sample: { webhook: SAMPLE_WEBHOOK, consecutiveFailures: 5, failingSince: "2026-01-15T09:30:00.000Z", lastError: "HTTP 503" },
  },
  "webhook.recovered": {
    description: "A webhook that was reported failing delivered successfully again.",
    sample: { webhook: SAMPLE_WEBHOOK, failingSince: "2026-01-15T09:30:00.000Z", recoveredAt: "2026-01-15T10:05:00.000Z" },
  },
  "delivery.exhausted": {
    description: "hookrelay gave up on a delivery: every attempt failed, or the endpoint refused it for good. At most one per webhook per window; the next one counts those folded into it.",
    sample: {
      webhook: SAMPLE_WEBHOOK,
      delivery: { id: "dlv_01JH2QA0S6Y2B7D4K9M3P8R5VX", eventId: "evt_01JH2Q9ZJ4T6W1N8C3F5H7K2QD", eventType: "message.created", attempts: 8 },
      lastError: "HTTP 500",
      lastStatusCode: 500,
      alsoExhausted: 0,
    },
  },
};

export const OPERATIONAL_EVENT_CATALOG: readonly CatalogEventType[] = Object.entries(SAMPLES).map(([name, t]) => ({
  name,
  description: t.description,
  sample: t.sample as unknown as Record<string, unknown>,
}));
