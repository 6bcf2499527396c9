import { auditContextOf } from "../../audit/actor";
import { z } from "../../lib/zod";
import type { ReplaysService } from "../../replay/service";
import { ListReplaysQuery, Replay, ReplayDryRun, ReplayIdParams, ReplayList, StartReplayBody } from "../../replay/schemas";
import { WebhookIdParams } from "../../webhooks/schemas";
import { accountOf } from "../auth";
import { defineRoute, type AnyRoute } from "../route";

export function replayRoutes(replays: ReplaysService): AnyRoute[] {
  const tag = "Replays";
  return [
    defineRoute({
      method: "post",
      path: "/v1/webhooks/:id/replay",
      tag,
      summary: "Replay deliveries in bulk",
      description:
        "Delivers again, in the background, every delivery of this webhook whose event was created in [since, until) and that ended with one of `statuses` (optionally only some event types): each as a new chain of attempts, like POST /v1/deliveries/:id/redeliver. " +
        "It runs at a bounded rate per replay and stops filling the webhook's queue past a bound, so live deliveries keep flowing. " +
        "Starting the replay already running for the webhook answers that one (200); a different one while one runs answers 409 `replay_in_progress`. With `dryRun` it only counts.",
      auth: "account",
      scope: "webhooks:write",
      portal: "manage",
      params: WebhookIdParams,
      body: StartReplayBody,
      success: { status: 202, description: "Started: the replay, to follow at GET /v1/replays/:id.", schema: Replay },
      alsoSucceeds: [{ status: 200, description: "A dry run's count, or the same replay, already running.", schema: z.union([ReplayDryRun, Replay]) }],
      errors: [404, 409, 422],
      handle: async ({ principal, params, body, res }) => {
        const outcome = await replays.start(accountOf(principal), params.id, body, auditContextOf({ principal, res }));
        switch (outcome.kind) {
          case "dry_run":
            return { status: 200, body: outcome.result };
          case "already_running":
            return { status: 200, body: outcome.replay };
          case "started":
            return { status: 202, body: outcome.replay };
        }
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/webhooks/:id/replays",
      tag,
      summary: "A webhook's replays, newest first",
      auth: "account",
      scope: "webhooks:read",
      portal: "read",
      params: WebhookIdParams,
      query: ListReplaysQuery,
      success: { status: 200, description: "A page of replays.", schema: ReplayList },
      errors: [404],
      handle: async ({ principal, params, query }) => ({ status: 200, body: await replays.list(accountOf(principal), params.id, query) }),
    }),
    defineRoute({
      method: "get",
      path: "/v1/replays/:id",
      tag,
      summary: "A replay and its progress",
      auth: "account",
      scope: "webhooks:read",
      portal: "read",
      params: ReplayIdParams,
      success: { status: 200, description: "The replay: `replayed` of `matched` so far.", schema: Replay },
      errors: [404],
      handle: async ({ principal, params }) => ({ status: 200, body: await replays.get(accountOf(principal), params.id) }),
    }),
    defineRoute({
      method: "post",
      path: "/v1/replays/:id/cancel",
      tag,
      summary: "Cancel a replay",
      description: "No delivery is restarted after the answer; those already restarted are sent. Cancelling a cancelled replay answers it again; a completed one answers 409 `replay_finished`.",
      auth: "account",
      scope: "webhooks:write",
      portal: "manage",
      params: ReplayIdParams,
      success: { status: 200, description: "Cancelled.", schema: Replay },
      errors: [404, 409],
      handle: async ({ principal, params, res }) => ({ status: 200, body: await replays.cancel(accountOf(principal), params.id, auditContextOf({ principal, res })) }),
    }),
  ];
}
