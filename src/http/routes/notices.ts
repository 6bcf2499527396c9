import { z } from "../../lib/zod";
import type { NoticeLog } from "../../operational/notices";
import type { DeliveryExhaustedData, WebhookDisabledData, WebhookFailingData, WebhookRecoveredData } from "../../operational/payloads";
import { WebhookIdParams } from "../../webhooks/schemas";
import { accountOf } from "../auth";
import { defineRoute, type AnyRoute } from "../route";

/*
 * The payloads of src/operational/payloads.ts as schemas, for the document. Each `satisfies`
 * stops the build when a payload gains a field (or changes one) that its schema does not have.
 */
const NoticeWebhook = z.object({ id: z.string(), url: z.string(), description: z.string().nullable() });
const at = z.string().datetime();

const WebhookDisabledPayload = z
  .object({
    webhook: NoticeWebhook,
    reason: z.string().openapi({ description: "The stored reason, in English (as the webhook's `disabledReason`)." }),
    reasonCode: z.enum(["gone", "failing"]).openapi({ description: "`gone`: the endpoint answered 410. `failing`: every attempt failed for the disable window." }),
    disabledAt: at,
  })
  .openapi("WebhookDisabledData") satisfies z.ZodType<WebhookDisabledData>;

const WebhookFailingPayload = z
  .object({
    webhook: NoticeWebhook,
    consecutiveFailures: z.number().int(),
    failingSince: at.nullable(),
    lastError: z.string().openapi({ description: "Why the attempt that crossed the warning threshold failed." }),
  })
  .openapi("WebhookFailingData") satisfies z.ZodType<WebhookFailingData>;

const WebhookRecoveredPayload = z
  .object({
    webhook: NoticeWebhook,
    failingSince: at.nullable().openapi({ description: "When the run of failures it recovered from began." }),
    recoveredAt: at,
  })
  .openapi("WebhookRecoveredData") satisfies z.ZodType<WebhookRecoveredData>;

const DeliveryExhaustedPayload = z
  .object({
    webhook: NoticeWebhook,
    delivery: z.object({ id: z.string(), eventId: z.string(), eventType: z.string(), attempts: z.number().int() }),
    lastError: z.string(),
    lastStatusCode: z.number().int().nullable(),
    alsoExhausted: z.number().int().openapi({ description: "Deliveries of this webhook that also ended failed since the previous notice, folded into this one." }),
  })
  .openapi("DeliveryExhaustedData") satisfies z.ZodType<DeliveryExhaustedData>;

const noticeOf = <T extends string, D extends z.ZodType>(type: T, data: D) =>
  z.object({
    id: z.string().openapi({ description: "The event's id (`evt_…`): the same event that webhooks subscribed to its type receive." }),
    type: z.literal(type),
    createdAt: at,
    data,
  });

export const Notice = z
  .discriminatedUnion("type", [
    noticeOf("webhook.disabled", WebhookDisabledPayload),
    noticeOf("webhook.failing", WebhookFailingPayload),
    noticeOf("webhook.recovered", WebhookRecoveredPayload),
    noticeOf("delivery.exhausted", DeliveryExhaustedPayload),
  ])
  .openapi("Notice");

export const NoticeList = z.object({ data: z.array(Notice), nextCursor: z.string().nullable() }).openapi("NoticeList");

export const ListNoticesQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(50).default(10),
  cursor: z.string().max(300).optional().openapi({ description: "`nextCursor` of the previous page." }),
});

export function noticeRoutes(notices: NoticeLog): AnyRoute[] {
  return [
    defineRoute({
      method: "get",
      path: "/v1/webhooks/:id/notices",
      tag: "Webhooks",
      summary: "Recent notices about a webhook",
      description:
        "The operational events hookrelay emitted about this webhook, newest first: `webhook.disabled`, `webhook.failing`, `webhook.recovered` and `delivery.exhausted`, each with the payload its subscribers received. Page with `cursor`.",
      auth: "account",
      portal: "read",
      params: WebhookIdParams,
      query: ListNoticesQuery,
      success: { status: 200, description: "A page of notices.", schema: NoticeList },
      errors: [404],
      handle: async ({ principal, params, query }) => ({ status: 200, body: await notices.list(accountOf(principal), params.id, query) }),
    }),
  ];
}
