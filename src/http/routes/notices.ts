import { z } from "../../lib/zod";
import type { NoticeLog } from "../../operational/notices";
import { DeliveryExhaustedPayload, WebhookDisabledPayload, WebhookFailingPayload, WebhookRecoveredPayload } from "../../operational/payloads";
import { WebhookIdParams } from "../../webhooks/schemas";
import { accountOf } from "../auth";
import { defineRoute, type AnyRoute } from "../route";

const noticeOf = <T extends string, D extends z.ZodType>(type: T, data: D) =>
  z.object({
    id: z.string().openapi({ description: "The event's id (`evt_…`): the same event that webhooks subscribed to its type receive." }),
    type: z.literal(type),
    createdAt: z.string().datetime(),
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
      scope: "webhooks:read",
      portal: "read",
      params: WebhookIdParams,
      query: ListNoticesQuery,
      success: { status: 200, description: "A page of notices.", schema: NoticeList },
      errors: [404],
      handle: async ({ principal, params, query }) => ({ status: 200, body: await notices.list(accountOf(principal), params.id, query) }),
    }),
  ];
}
