import type { DeliveriesService } from "../../delivery/deliveries-service";
import { AttemptList, AttemptLogQuery, SignatureCheckResult, TestEventBody, TestEventResult } from "../../delivery/schemas";
import type { SignatureCheck } from "../../delivery/signature-check";
import type { SendTestEvent } from "../../delivery/test-event";
import { StatsQuery, WebhookStats } from "../../stats/schemas";
import type { WebhookStatsService } from "../../stats/webhook-stats";
import type { WebhooksService } from "../../webhooks/service";
import type { ReplaysService } from "../../replay/service";
import { EnabledWebhook } from "../../replay/schemas";
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
import { auditContextOf } from "../../audit/actor";
import { accountOf } from "../auth";
import { defineRoute, type AnyRoute } from "../route";

export function webhookRoutes(
  webhooks: WebhooksService,
  opts: WebhookSchemaOptions,
  delivery: { deliveries: DeliveriesService; sendTestEvent: SendTestEvent; checkSignature: SignatureCheck; stats: WebhookStatsService; replays: ReplaysService },
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
      scope: "webhooks:write",
      portal: "manage",
      body: CreateWebhookBody,
      success: { status: 201, description: "Verified and stored. `secret` is present only when it was generated.", schema: CreatedWebhook },
      errors: [422],
      handle: async (input) => ({ status: 201, body: await webhooks.create(accountOf(input.principal), input.body, auditContextOf(input)) }),
    }),
    defineRoute({
      method: "get",
      path: "/v1/webhooks",
      tag,
      summary: "List webhooks, newest first",
      description: "Deleted webhooks are left out unless `include=deleted`.",
      auth: "account",
      scope: "webhooks:read",
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
      description: "A deleted webhook is still found, with status `deleted` and its `deletedAt`, until retention removes it.",
      auth: "account",
      scope: "webhooks:read",
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
      scope: "webhooks:write",
      portal: "manage",
      params: WebhookIdParams,
      body: UpdateWebhookBody,
      success: { status: 200, description: "The changed webhook.", schema: Webhook },
      errors: [404, 422],
      handle: async ({ principal, params, body, res }) => ({
        status: 200,
        body: await webhooks.update(accountOf(principal), params.id, body, auditContextOf({ principal, res })),
      }),
    }),
    defineRoute({
      method: "delete",
      path: "/v1/webhooks/:id",
      tag,
      summary: "Delete a webhook",
      description:
        "A soft delete: the webhook gets nothing more (its pending deliveries end `cancelled`, attempts already under way are waited for before this answers) and can no longer be changed (404), but it and its delivery log stay readable by id until retention removes them.",
      auth: "account",
      scope: "webhooks:write",
      portal: "manage",
      params: WebhookIdParams,
      success: { status: 204, description: "Deleted; nothing is sent to it from now on." },
      errors: [404],
      handle: async ({ principal, params, res }) => {
        await webhooks.remove(accountOf(principal), params.id, auditContextOf({ principal, res }));
        return { status: 204 };
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/webhooks/:id/verify",
      tag,
      summary: "Re-run the ownership handshake",
      auth: "account",
      scope: "webhooks:write",
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
      scope: "webhooks:write",
      portal: "manage",
      params: WebhookIdParams,
      body: RotateSecretBody,
      success: { status: 200, description: "The new secret and until when the old one works.", schema: RotatedSecret },
      errors: [404],
      handle: async ({ principal, params, body, res }) => ({
        status: 200,
        body: await webhooks.rotateSecret(accountOf(principal), params.id, body, auditContextOf({ principal, res })),
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
      scope: "webhooks:write",
      portal: "manage",
      params: WebhookIdParams,
      body: PauseWebhookBody,
      success: { status: 200, description: "Paused.", schema: Webhook },
      errors: [404],
      handle: async ({ principal, params, body, res }) => ({
        status: 200,
        body: await webhooks.pause(accountOf(principal), params.id, body.reason, auditContextOf({ principal, res })),
      }),
    }),
    defineRoute({
      method: "post",
      path: "/v1/webhooks/:id/enable",
      tag,
      summary: "Re-enable a disabled webhook",
      description:
        "Re-runs the handshake; on success the webhook is active again with its failure count reset. The answer offers what was skipped while it was off: `skippedWhileDisabled` counts the deliveries a replay (POST /v1/webhooks/:id/replay) with its since, until and `statuses: [\"skipped\"]` would send.",
      auth: "account",
      scope: "webhooks:write",
      portal: "manage",
      params: WebhookIdParams,
      success: { status: 200, description: "Active again.", schema: EnabledWebhook },
      errors: [404, 422],
      handle: async ({ principal, params, res }) => {
        const accountId = accountOf(principal);
        // Read before: enabling clears disabledAt, which is where the offer's range starts.
        const before = await webhooks.get(accountId, params.id);
        const enabled = await webhooks.enable(accountId, params.id, auditContextOf({ principal, res }));
        const skippedWhileDisabled = before.status === "disabled" && before.disabledAt ? await delivery.replays.skippedWhileDisabled(accountId, params.id, new Date(before.disabledAt)) : null;
        return { status: 200, body: { ...enabled, skippedWhileDisabled } };
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/webhooks/:id/stats",
      tag,
      summary: "Delivery statistics",
      description:
        "For the last 24 hours or 7 days: attempts by outcome, success rate, p50/p95 response time and attempts per hour (UTC hours, oldest first, the current one last). Hours that ended more than 10 minutes ago are read from stored hourly counts, so the cost does not grow with the webhook's traffic.",
      auth: "account",
      scope: "webhooks:read",
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
      scope: "webhooks:write",
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
      scope: "webhooks:write",
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
      scope: "webhooks:read",
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
