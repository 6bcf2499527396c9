import type { AuditContext } from "../audit/actor";
import { writeAuditSql } from "../audit/store";
import type { Clock } from "../lib/clock";
import { decodeTimeCursor, timePage } from "../lib/cursor";
import { AppError, conflict, notFound, unprocessable } from "../lib/errors";
import { idTime, isWellFormedId, newId } from "../lib/ids";
import type { Sql } from "../lib/prisma";
import { inTransaction } from "../lib/connection";
import { accountKeepMs } from "../retention/plan";
import { asksForRunning, effectiveRange, eventTypesOf, statusesOf, type ReplayFilter } from "./policy";
import type { ReplayDryRunDto, ReplayDto, SkippedWhileDisabledDto, StartReplayInput } from "./schemas";
import { cancelReplayRow, countMatching, firstSkippedSince, getReplay, insertReplay, listReplays, lockReplay, lockWebhook, retentionDaysOf, runningReplayOf, type ReplayRow } from "./store";

export interface ReplaysDeps {
  sql: Sql;
  clock: Clock;
  /** How long rows are kept for an account that sets no retention of its own (HOOKRELAY_RETENTION). */
  defaultRetentionMs: number;
  /** A started replay is there for the runners to take: the local one, if this process runs one, may start at once. */
  onStarted?: () => void;
}

export function replayDto(r: ReplayRow): ReplayDto {
  return {
    id: r.id,
    webhookId: r.webhookId,
    since: r.since.toISOString(),
    until: r.until.toISOString(),
    statuses: r.statuses,
    eventTypes: r.eventTypes,
    status: r.status,
    matched: r.matched,
    replayed: r.replayed,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    finishedAt: r.finishedAt ? r.finishedAt.toISOString() : null,
  };
}

const disabledError = () => unprocessable("webhook_disabled", "the webhook is disabled; enable it first (POST /v1/webhooks/:id/enable)");

/** What a start answers: a count (dry run), a new replay, or the same one already running. */
export type StartOutcome = { kind: "dry_run"; result: ReplayDryRunDto } | { kind: "started"; replay: ReplayDto } | { kind: "already_running"; replay: ReplayDto };

export function createReplaysService(deps: ReplaysDeps) {
  const { sql, clock } = deps;

  /** The account's webhook; a deleted one is gone for writes (404), like another account's. */
  async function webhookOf(accountId: string, webhookId: string): Promise<{ status: string }> {
    const { rows } = isWellFormedId(webhookId, "wh")
      ? await sql.query<{ status: string }>(`SELECT status::text AS status FROM webhooks WHERE id = $1 AND account_id = $2`, [webhookId, accountId])
      : { rows: [] };
    if (!rows[0] || rows[0].status === "deleted") throw notFound("webhook");
    return rows[0];
  }

  /** The filter as it applies now: statuses and types in one order, the range clamped to the account's retention. */
  async function filterOf(accountId: string, input: Pick<StartReplayInput, "since" | "until" | "statuses" | "eventTypes">, now: Date) {
    const keepMs = accountKeepMs(await retentionDaysOf(sql, accountId), deps.defaultRetentionMs);
    const asked = { since: Date.parse(input.since), until: input.until ? Date.parse(input.until) : now.getTime() };
    if (input.until === undefined && asked.since >= asked.until) {
      const message = "must be before until (now, when until is absent)";
      throw new AppError(400, "validation_failed", `body.since: ${message}`, { issues: [{ field: "body.since", message, code: "custom" }] });
    }
    const range = effectiveRange(asked.since, asked.until, now.getTime(), keepMs);
    const filter: ReplayFilter = { since: new Date(range.since), until: new Date(range.until), statuses: statusesOf(input.statuses), eventTypes: eventTypesOf(input.eventTypes) };
    return { filter, asked, edge: now.getTime() - keepMs };
  }

  const rangeDto = (f: ReplayFilter) => ({ since: f.since.toISOString(), until: f.until.toISOString(), statuses: f.statuses, eventTypes: f.eventTypes });

  return {
    /**
     * Starts a replay of the webhook's deliveries matching `input`, or only counts them (dryRun).
     * Decided under the webhook's row lock: of two starts at once the second sees the first's
     * replay, and answers it when it asks for the same, 409 when for something else.
     */
    async start(accountId: string, webhookId: string, input: StartReplayInput, audit: AuditContext): Promise<StartOutcome> {
      const webhook = await webhookOf(accountId, webhookId);
      if (webhook.status !== "active") throw disabledError();
      const now = clock.now();
      const { filter, asked, edge } = await filterOf(accountId, input, now);
      // Counted before the webhook's row is locked: a million rows take a second or so, which
      // the webhook's settlements (they lock the row too) should not wait out.
      const matched = await countMatching(sql, webhookId, filter);
      if (input.dryRun) return { kind: "dry_run", result: { dryRun: true, matched, ...rangeDto(filter) } };
      const outcome = await inTransaction(sql, async (client): Promise<StartOutcome> => {
        const locked = await lockWebhook(client, webhookId, "start");
        if (!locked || locked.status === "deleted") throw notFound("webhook");
        if (locked.status !== "active") throw disabledError();
        const running = await runningReplayOf(client, webhookId);
        if (running) {
          const same = asksForRunning(running, { since: asked.since, until: input.until ? asked.until : null, statuses: filter.statuses, eventTypes: filter.eventTypes }, edge);
          if (same) return { kind: "already_running", replay: replayDto(running) };
          throw conflict("replay_in_progress", `replay ${running.id} is running for this webhook; cancel it (POST /v1/replays/${running.id}/cancel) or wait for it to finish`, { replayId: running.id });
        }
        // Nothing to do is done at once: no runner needs to visit it.
        const replay = await insertReplay(client, { id: newId("rpl", now.getTime()), accountId, webhookId, ...filter, status: matched === 0 ? "completed" : "running", matched, createdAt: now, finishedAt: matched === 0 ? now : null });
        // About the webhook, where its history shows it; the replay's id is in the entry.
        await writeAuditSql(client, audit, { accountId, action: "replay.started", targetType: "webhook", targetId: webhookId, changes: { replayId: replay.id, ...rangeDto(filter), matched } });
        return { kind: "started", replay: replayDto(replay) };
      });
      if (outcome.kind === "started") deps.onStarted?.();
      return outcome;
    },

    async get(accountId: string, id: string): Promise<ReplayDto> {
      const row = isWellFormedId(id, "rpl") ? await getReplay(sql, accountId, id) : null;
      if (!row) throw notFound("replay");
      return replayDto(row);
    },

    /** The webhook's replays, newest first (a deleted webhook's too: its history stays readable). */
    async list(accountId: string, webhookId: string, page: { limit: number; cursor?: string }) {
      const owned = isWellFormedId(webhookId, "wh") ? await sql.query(`SELECT 1 FROM webhooks WHERE id = $1 AND account_id = $2`, [webhookId, accountId]) : null;
      if (!owned?.rowCount) throw notFound("webhook");
      const rows = await listReplays(sql, accountId, webhookId, decodeTimeCursor(page.cursor), page.limit + 1);
      const { page: data, nextCursor } = timePage(rows, page.limit, (r) => r.createdAt);
      return { data: data.map(replayDto), nextCursor };
    },

    /**
     * Stops a running replay: waits for a batch in progress (the row lock), so that after the
     * answer no further delivery is restarted. What earlier batches restarted is sent.
     */
    async cancel(accountId: string, id: string, audit: AuditContext): Promise<ReplayDto> {
      if (!isWellFormedId(id, "rpl")) throw notFound("replay");
      return inTransaction(sql, async (client) => {
        const row = await lockReplay(client, accountId, id);
        if (!row) throw notFound("replay");
        if (row.status === "cancelled") return replayDto(row);
        if (row.status === "completed") throw conflict("replay_finished", "the replay has finished; there is nothing left to cancel");
        const cancelled = await cancelReplayRow(client, id, clock.now());
        await writeAuditSql(client, audit, { accountId, action: "replay.cancelled", targetType: "webhook", targetId: row.webhookId, changes: { replayId: id, status: { from: "running", to: "cancelled" }, replayed: cancelled.replayed } });
        return replayDto(cancelled);
      });
    },

    /**
     * What the webhook skipped while it was off, for the enable answer to offer: a delivery is
     * skipped when it comes due while its webhook is off, so these are the deliveries settled as
     * `skipped` since `disabledAt`. Their events are older (no delivery is made for a webhook
     * that is off): the offer's `since` is the earliest of their events' times, so that a replay
     * with this since, until and `statuses: ["skipped"]` takes them all; `count` is what that
     * replay matches (with any skipped in the same range before, which it takes too).
     */
    async skippedWhileDisabled(accountId: string, webhookId: string, disabledAt: Date): Promise<SkippedWhileDisabledDto> {
      const now = clock.now();
      const keepMs = accountKeepMs(await retentionDaysOf(sql, accountId), deps.defaultRetentionMs);
      const first = await firstSkippedSince(sql, webhookId, disabledAt, new Date(now.getTime() - keepMs));
      const since = first ? new Date(idTime(first)) : disabledAt;
      const filter: ReplayFilter = { since, until: now, statuses: ["skipped"], eventTypes: [] };
      return { since: since.toISOString(), until: now.toISOString(), count: first ? await countMatching(sql, webhookId, filter) : 0 };
    },
  };
}

export type ReplaysService = ReturnType<typeof createReplaysService>;
