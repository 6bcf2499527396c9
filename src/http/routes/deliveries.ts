import type { DeliveriesService } from "../../delivery/deliveries-service";
import { AttemptDetail, AttemptIdParams, Delivery, DeliveryWithAttempts } from "../../delivery/schemas";
import { z } from "../../lib/zod";
import { auditContextOf } from "../../audit/actor";
import { accountOf } from "../auth";
import { defineRoute, type AnyRoute } from "../route";

const DeliveryIdParams = z.object({ id: z.string().max(64).openapi({ example: "dlv_01M832GA597X2JY5T2YQ0YH6J4" }) });

export function deliveryRoutes(deliveries: DeliveriesService): AnyRoute[] {
  const tag = "Deliveries";
  return [
    defineRoute({
      method: "get",
      path: "/v1/deliveries/:id",
      tag,
      summary: "A delivery with all its attempts",
      auth: "account",
      scope: "webhooks:read",
      portal: "read",
      params: DeliveryIdParams,
      success: { status: 200, description: "The delivery and its attempts, oldest first.", schema: DeliveryWithAttempts },
      errors: [404],
      handle: async ({ principal, params }) => ({ status: 200, body: await deliveries.get(accountOf(principal), params.id) }),
    }),
    defineRoute({
      method: "get",
      path: "/v1/attempts/:id",
      tag,
      summary: "One attempt, with the exact body it sent",
      auth: "account",
      scope: "webhooks:read",
      portal: "read",
      params: AttemptIdParams,
      success: { status: 200, description: "What was sent (URL, headers with secrets masked, body) and what the endpoint answered.", schema: AttemptDetail },
      errors: [404],
      handle: async ({ principal, params }) => ({ status: 200, body: await deliveries.attempt(accountOf(principal), params.id) }),
    }),
    defineRoute({
      method: "post",
      path: "/v1/deliveries/:id/redeliver",
      tag,
      summary: "Deliver again",
      description: "Starts a new chain of attempts with the same delivery id and the same body, retried on the full schedule.",
      auth: "account",
      scope: "webhooks:write",
      portal: "manage",
      params: DeliveryIdParams,
      success: { status: 202, description: "Queued again.", schema: Delivery },
      errors: [404, 409, 422],
      handle: async ({ principal, params, res }) => ({ status: 202, body: await deliveries.redeliver(accountOf(principal), params.id, auditContextOf({ principal, res })) }),
    }),
  ];
}
