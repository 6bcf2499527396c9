import type { DeliveriesService } from "../../delivery/deliveries-service";
import { AttemptList, AttemptLogQuery, SignatureCheckResult, TestEventBody, TestEventResult } from "../../delivery/schemas";
import type { SignatureCheck } from "../../delivery/signature-check";
import type { SendTestEvent } from "../../delivery/test-event";
import { StatsQuery, WebhookStats } from "../../stats/schemas";
import type { WebhookStatsService } from "../../stats/webhook-stats";
import type { WebhooksService } from "../../webhooks/service";
import {
  CreatedWebhook,
  ListWebhooksQuery,
  PauseWebhookBody,
  RotatedSecret,
  VerifyResult,
  Webhook,
  WebhookIdParams,
  WebhookList,
  webhookSchemas,
  type WebhookSchemaOptions,
} from "../../webhooks/schemas";
import { accountOf } from "../auth";
import { defineRoute, type AnyRoute } from "../route";

export function webhookRoutes(
  webhooks: WebhooksService,
  opts: WebhookSchemaOptions,
  delivery: { deliveries: DeliveriesService; sendTestEvent: SendTestEvent; checkSignature: SignatureCheck; stats: WebhookStatsService },
): AnyRoute[] {
  const { CreateWebhookBody, UpdateWebhookBody, RotateSecretBody } = webhookSchemas(opts);
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
      portal: "manage",
      body: CreateWebhookBody,
      success: { status: 201, description: "Verified and stored. `secret` is present only when it was generated.", schema: CreatedWebhook },
      errors: [422],
      handle: async ({ principal, body }) => ({ status: 201, body: await webhooks.create(accountOf(principal), body) }),
    }),
    defineRoute({
      method: "get",
      path: "/v1/webhooks",
      tag,
      summary: "List webhooks, newest first",
      auth: "account",
      portal: "read",
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
      portal: "read",
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
      portal: "manage",
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
      portal: "manage",
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
      portal: "manage",
      params: WebhookIdParams,
      success: { status: 200, description: "The endpoint answered the challenge.", schema: VerifyResult },
      errors: [404, 422],
      handle: async ({ principal, params }) => ({ status: 200, body: await webhooks.verify(accountOf(principal), params.id) }),
    }),
    defineRoute({
      method: "post",
      path: "/v1/webhooks/:id/rotate-secret",
      tag,
      summary: "Rotate the webhook's secret",
      description:
        "A new secret (generated unless given), shown once. For `graceSeconds` the old one keeps working: standard-webhooks deliveries carry both signatures; every other dialect carries one signature, made with the old secret until the grace period ends and with the new one after.",
      auth: "account",
      portal: "manage",
      params: WebhookIdParams,
      body: RotateSecretBody,
      success: { status: 200, description: "The new secret and until when the old one works.", schema: RotatedSecret },
      errors: [404],
      handle: async ({ principal, params, body }) => ({
        status: 200,
        body: await webhooks.rotateSecret(accountOf(principal), params.id, body),
      }),
    }),
    defineRoute({
      method: "post",
      path: "/v1/webhooks/:id/disable",
      tag,
      summary: "Pause a webhook",
      description:
        "A manual disable: nothing is sent while it lasts, and deliveries that come due meanwhile end as `skipped`. Resume with POST /v1/webhooks/:id/enable, which re-runs the handshake. Pausing a disabled webhook changes nothing.",
      auth: "account",
      portal: "manage",
      params: WebhookIdParams,
      body: PauseWebhookBody,
      success: { status: 200, description: "Paused.", schema: Webhook },
      errors: [404],
      handle: async ({ principal, params, body }) => ({ status: 200, body: await webhooks.pause(accountOf(principal), params.id, body.reason) }),
    }),
    defineRoute({
      method: "post",
      path: "/v1/webhooks/:id/enable",
      tag,
      summary: "Re-enable a disabled webhook",
      description: "Re-runs the handshake; on success the webhook is active again with its failure count reset.",
      auth: "account",
      portal: "manage",
      params: WebhookIdParams,
      success: { status: 200, description: "Active again.", schema: Webhook },
      errors: [404, 422],
      handle: async ({ principal, params }) => ({ status: 200, body: await webhooks.enable(accountOf(principal), params.id) }),
    }),
    defineRoute({
      method: "get",
      path: "/v1/webhooks/:id/stats",
      tag,
      summary: "Delivery statistics",
      description:
        "For the last 24 hours or 7 days: attempts by outcome, success rate, p50/p95 response time and attempts per hour (UTC hours, oldest first, the current one last). Hours that ended more than 10 minutes ago are read from stored hourly counts, so the cost does not grow with the webhook's traffic.",
      auth: "account",
      portal: "read",
      params: WebhookIdParams,
      query: StatsQuery,
      success: { status: 200, description: "The statistics.", schema: WebhookStats },
      errors: [404],
      handle: async ({ principal, params, query }) => ({ status: 200, body: await delivery.stats.get(accountOf(principal), params.id, query.window) }),
    }),
    defineRoute({
      method: "post",
      path: "/v1/webhooks/:id/check-signature",
      tag,
      summary: "Check that the endpoint verifies signatures",
      description:
        "Sends two sample events of the webhook's first type, marked with `X-Hookrelay-Probe`: one correctly signed, then one signed with a wrong secret, and tells whether the endpoint accepted the first and refused the second. Neither is logged or counted towards failures.",
      auth: "account",
      portal: "manage",
      params: WebhookIdParams,
      success: { status: 200, description: "The verdict and both answers.", schema: SignatureCheckResult },
      errors: [404, 422],
      handle: async ({ principal, params }) => ({ status: 200, body: await delivery.checkSignature(accountOf(principal), params.id) }),
    }),
    defineRoute({
      method: "post",
      path: "/v1/webhooks/:id/test",
      tag,
      summary: "Send a test event now",
      description:
        "Sends the sample payload of an event type (default: the first subscribed) once, without retries, and answers with what the endpoint did. Logged with isTest=true; does not affect the failure count.",
      auth: "account",
      portal: "manage",
      params: WebhookIdParams,
      body: TestEventBody,
      success: { status: 200, description: "What the endpoint answered (success or not).", schema: TestEventResult },
      errors: [404, 422],
      handle: async ({ principal, params, body }) => ({
        status: 200,
        body: await delivery.sendTestEvent(accountOf(principal), params.id, body.eventType),
      }),
    }),
    defineRoute({
      method: "get",
      path: "/v1/webhooks/:id/deliveries",
      tag,
      summary: "The delivery log",
      description: "Every attempt, newest first: event type, status code, response time, timestamp, error details. Filter by eventType, outcome and a [from, to) range.",
      auth: "account",
      portal: "read",
      params: WebhookIdParams,
      query: AttemptLogQuery,
      success: { status: 200, description: "A page of attempts.", schema: AttemptList },
      errors: [404],
      handle: async ({ principal, params, query }) => ({
        status: 200,
        body: await delivery.deliveries.attemptLog(accountOf(principal), params.id, query),
      }),
    }),
  ];
}
