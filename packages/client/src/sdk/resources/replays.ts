import { unwrap } from "../call";
import type { Context } from "../client";
import { List } from "../list";
import type { ListReplaysQuery, Replay, ReplayDryRun, StartReplay } from "../types";

/** Bulk replays (POST /v1/webhooks/:id/replay, /v1/replays/:id): deliver a webhook's deliveries of a time range again. */
export class ReplaysResource {
  constructor(private readonly ctx: Context) {}

  /**
   * Starts a replay (`Replay`, status running), or answers the same one already running for the
   * webhook; with `dryRun: true` only counts (`ReplayDryRun`). Another replay running for it
   * rejects with a 409 `replay_in_progress` (its id in `details.replayId`).
   */
  start(webhookId: string, body: StartReplay & { dryRun: true }): Promise<ReplayDryRun>;
  start(webhookId: string, body: StartReplay & { dryRun?: false }): Promise<Replay>;
  start(webhookId: string, body: StartReplay): Promise<Replay | ReplayDryRun>;
  start(webhookId: string, body: StartReplay): Promise<Replay | ReplayDryRun> {
    return unwrap(this.ctx.api.POST("/v1/webhooks/{id}/replay", { params: { path: { id: webhookId } }, body }));
  }

  /** A replay and its progress: `replayed` of `matched`. */
  get(id: string): Promise<Replay> {
    return unwrap(this.ctx.api.GET("/v1/replays/{id}", { params: { path: { id } } }));
  }

  /** A webhook's replays, newest first. */
  list(webhookId: string, query: ListReplaysQuery = {}): List<Replay> {
    return new List((cursor) => unwrap(this.ctx.api.GET("/v1/webhooks/{id}/replays", { params: { path: { id: webhookId }, query: { ...query, ...(cursor ? { cursor } : {}) } } })));
  }

  /** Stops it: nothing more is restarted after the answer. A completed one rejects with a 409 `replay_finished`. */
  cancel(id: string): Promise<Replay> {
    return unwrap(this.ctx.api.POST("/v1/replays/{id}/cancel", { params: { path: { id } } }));
  }
}
