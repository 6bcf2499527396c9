import type { WebhooksService } from "../../webhooks/service";
import {
  ListWebhooksQuery,
  VerifyResult,
  Webhook,
  WebhookIdParams,
  WebhookList,
  webhookSchemas,
  type WebhookSchemaOptions,
} from "../../webhooks/schemas";
import { accountOf } from "../auth";
import { defineRoute, type AnyRoute } from "../route";

export function webhookRoutes(webhooks: WebhooksService, opts: WebhookSchemaOptions): AnyRoute[] {
  const { CreateWebhookBody, UpdateWebhookBody } = webhookSchemas(opts);
  const tag = "Webhooks";
  return [
    defineRoute({
      method: "post",
      path: "/v1/webhooks",
      tag,
      summary: "Register a webhook",
      description:
        "Validates the input, then proves ownership of the URL: a GET with hub.mode=subscribe, hub.verify_token and hub.challenge, which must be answered 2xx with the challenge as the body within 5 seconds. Only then is the webhook stored, active.",
      auth: "account",
      body: CreateWebhookBody,
      success: { status: 201, description: "Verified and stored.", schema: Webhook },
      errors: [422],
      handle: async ({ principal, body }) => ({ status: 201, body: await webhooks.create(accountOf(principal), body) }),
    }),
    defineRoute({
      method: "get",
      path: "/v1/webhooks",
      tag,
      summary: "List webhooks, newest first",
      auth: "account",
      query: ListWebhooksQuery,
      success: { status: 200, description: "A page of webhooks.", schema: WebhookList },
      errors: [],
      handle: async ({ principal, query }) => ({ status: 200, body: await webhooks.list(accountOf(principal), query) }),
    }),
    defineRoute({
      method: "get",
      path: "/v1/webhooks/:id",
      tag,
      summary: "Get a webhook",
      auth: "account",
      params: WebhookIdParams,
      success: { status: 200, description: "The webhook.", schema: Webhook },
      errors: [404],
      handle: async ({ principal, params }) => ({ status: 200, body: await webhooks.get(accountOf(principal), params.id) }),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/webhooks/:id",
      tag,
      summary: "Change a webhook",
      description: "Changing url or verifyToken re-runs the handshake first; event types and description change directly.",
      auth: "account",
      params: WebhookIdParams,
      body: UpdateWebhookBody,
      success: { status: 200, description: "The changed webhook.", schema: Webhook },
      errors: [404, 422],
      handle: async ({ principal, params, body }) => ({
        status: 200,
        body: await webhooks.update(accountOf(principal), params.id, body),
      }),
    }),
    defineRoute({
      method: "delete",
      path: "/v1/webhooks/:id",
      tag,
      summary: "Delete a webhook",
      auth: "account",
      params: WebhookIdParams,
      success: { status: 204, description: "Deleted." },
      errors: [404],
      handle: async ({ principal, params }) => {
        await webhooks.remove(accountOf(principal), params.id);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/webhooks/:id/verify",
      tag,
      summary: "Re-run the ownership handshake",
      auth: "account",
      params: WebhookIdParams,
      success: { status: 200, description: "The endpoint answered the challenge.", schema: VerifyResult },
      errors: [404, 422],
      handle: async ({ principal, params }) => ({ status: 200, body: await webhooks.verify(accountOf(principal), params.id) }),
    }),
  ];
}
