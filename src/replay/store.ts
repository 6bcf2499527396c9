import type { PoolClient } from "pg";
import { idFloor } from "../lib/ids";
import type { ReplayableStatus, ReplayFilter } from "./policy";

type Client = Pick<PoolClient, "query">;

/** A replays row as the store reads it. */
export interface ReplayRow extends ReplayFilter {
  id: string;
  accountId: string;
  webhookId: string;
  status: "running" | "completed" | "cancelled";
  matched: number;
  replayed: number;
  /** The last delivery id a batch took; null before the first. */
  cursor: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

const COLUMNS = `id, account_id, webhook_id, since, until, statuses, event_types, status, matched, replayed, cursor, created_at, updated_at, finished_at`;

interface RawReplay {
  id: string;
  account_id: string;
  webhook_id: string;
  since: Date;
  until: Date;
  statuses: string[];
  event_types: string[];
  status: ReplayRow["status"];
  matched: number;
  replayed: number;
  cursor: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

function fromRaw(r: RawReplay): ReplayRow {
  return {
    id: r.id,
    accountId: r.account_id,
    webhookId: r.webhook_id,
    since: r.since,
    until: r.until,
    statuses: r.statuses as ReplayableStatus[],
    eventTypes: r.event_types,
    status: r.status,
    matched: r.matched,
    replayed: r.replayed,
    cursor: r.cursor,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
  };
}

/**
 * The deliveries a filter matches, for a webhook: by id range, since a delivery's id carries its
 * event's time (src/lib/ids.ts, deliveryIdFor), which the (webhook_id, id) index serves and which
 * prunes partitions. Never a pending one (it is being attempted), never a test delivery.
 */
const MATCHING = `webhook_id = $1 AND id >= $2 AND id < $3 AND status::text = ANY($4::text[]) AND NOT is_test
  AND (cardinality($5::text[]) = 0 OR event_type = ANY($5::text[]))`;

const matchingParams = (webhookId: string, f: ReplayFilter) => [webhookId, idFloor("dlv", f.since.getTime()), idFloor("dlv", f.until.getTime()), f.statuses, f.eventTypes];

export async function countMatching(client: Client, webhookId: string, f: ReplayFilter): Promise<number> {
  if (f.since >= f.until) return 0;
  const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE ${MATCHING}`, matchingParams(webhookId, f));
  return rows[0]!.n;
}

/** The next `limit` matching deliveries after `cursor`, in id order: a batch's work. */
export async function nextMatching(client: Client, replay: ReplayRow, limit: number): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(
    `SELECT id FROM deliveries WHERE ${MATCHING} AND ($6::text IS NULL OR id > $6) ORDER BY id LIMIT $7`,
    [...matchingParams(replay.webhookId, replay), replay.cursor, limit],
  );
  return rows.map((r) => r.id);
}

/**
 * The webhook's row, locked for the rest of the transaction. A start takes it FOR NO KEY UPDATE, so
 * that two starts decide one after the other; a batch FOR SHARE, so that a delete or a disable
 * (which update the row) waits for the batch, or the batch sees it: no delivery is restarted
 * after the webhook is gone. Lock order: webhook row, then its deliveries, as everywhere.
 */
export async function lockWebhook(client: Client, webhookId: string, mode: "start" | "batch"): Promise<{ status: string } | null> {
  const { rows } = await client.query<{ status: string }>(`SELECT status::text AS status FROM webhooks WHERE id = $1 ${mode === "start" ? "FOR NO KEY UPDATE" : "FOR SHARE"}`, [webhookId]);
  return rows[0] ?? null;
}

export async function runningReplayOf(client: Client, webhookId: string): Promise<ReplayRow | null> {
  const { rows } = await client.query<RawReplay>(`SELECT ${COLUMNS} FROM replays WHERE status = 'running' AND webhook_id = $1 LIMIT 1`, [webhookId]);
  return rows[0] ? fromRaw(rows[0]) : null;
}

export async function insertReplay(client: Client, r: Omit<ReplayRow, "replayed" | "cursor" | "updatedAt">): Promise<ReplayRow> {
  const { rows } = await client.query<RawReplay>(
    `INSERT INTO replays (id, account_id, webhook_id, since, until, statuses, event_types, status, matched, created_at, updated_at, finished_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11) RETURNING ${COLUMNS}`,
    [r.id, r.accountId, r.webhookId, r.since, r.until, r.statuses, r.eventTypes, r.status, r.matched, r.createdAt, r.finishedAt],
  );
  return fromRaw(rows[0]!);
}

/** One of the account's replays, locked (a cancel waits for a batch in progress on it). */
export async function lockReplay(client: Client, accountId: string, id: string): Promise<ReplayRow | null> {
  const { rows } = await client.query<RawReplay>(`SELECT ${COLUMNS} FROM replays WHERE id = $1 AND account_id = $2 FOR UPDATE`, [id, accountId]);
  return rows[0] ? fromRaw(rows[0]) : null;
}

const DUE = `status = 'running' AND (updated_at <= $1 OR (cursor IS NULL AND replayed = 0))`;

/** The running replay whose next batch has been due longest (its last one at or before `dueBefore`, or none yet), not locked; `tried` are those this pass has looked at. */
export async function nextDueReplay(client: Client, dueBefore: Date, tried: readonly string[]): Promise<{ id: string; webhookId: string } | null> {
  const { rows } = await client.query<{ id: string; webhook_id: string }>(
    `SELECT id, webhook_id FROM replays WHERE ${DUE} AND id <> ALL($2::text[]) ORDER BY updated_at LIMIT 1`,
    [dueBefore, tried],
  );
  return rows[0] ? { id: rows[0].id, webhookId: rows[0].webhook_id } : null;
}

/**
 * That replay, locked for the batch if it is still due, and skipped (null) while another worker
 * holds it: workers share replays without doubling a batch.
 */
export async function lockDueReplay(client: Client, id: string, dueBefore: Date): Promise<ReplayRow | null> {
  const { rows } = await client.query<RawReplay>(`SELECT ${COLUMNS} FROM replays WHERE ${DUE} AND id = $2 FOR UPDATE SKIP LOCKED`, [dueBefore, id]);
  return rows[0] ? fromRaw(rows[0]) : null;
}

/** A batch's progress; `done` ends the replay (completed, or cancelled for a webhook that is gone). */
export async function advanceReplay(client: Client, id: string, at: Date, p: { cursor: string | null; restarted: number; end: "completed" | "cancelled" | null }): Promise<void> {
  await client.query(
    `UPDATE replays SET cursor = COALESCE($2, cursor), replayed = replayed + $3, updated_at = $4,
            status = COALESCE($5::replay_status, status), finished_at = CASE WHEN $5::replay_status IS NULL THEN finished_at ELSE $4 END
      WHERE id = $1`,
    [id, p.cursor, p.restarted, at, p.end],
  );
}

export async function cancelReplayRow(client: Client, id: string, at: Date): Promise<ReplayRow> {
  const { rows } = await client.query<RawReplay>(`UPDATE replays SET status = 'cancelled', updated_at = $2, finished_at = $2 WHERE id = $1 RETURNING ${COLUMNS}`, [id, at]);
  return fromRaw(rows[0]!);
}

/**
 * The first (oldest) delivery of the webhook settled as skipped at or after `at`, among those of
 * events since `edge` (the retention window's): whose settlement time no index has, so the
 * webhook's deliveries in the window are read by (webhook_id, id). Only an enable asks.
 */
export async function firstSkippedSince(client: Client, webhookId: string, at: Date, edge: Date): Promise<string | null> {
  const { rows } = await client.query<{ first: string | null }>(
    `SELECT min(id) AS first FROM deliveries WHERE webhook_id = $1 AND id >= $2 AND status = 'skipped' AND NOT is_test AND updated_at >= $3`,
    [webhookId, idFloor("dlv", edge.getTime()), at],
  );
  return rows[0]?.first ?? null;
}

/** The account's own retention (null: the global default). */
export async function retentionDaysOf(client: Client, accountId: string): Promise<number | null> {
  const { rows } = await client.query<{ retention_days: number | null }>(`SELECT retention_days FROM accounts WHERE id = $1`, [accountId]);
  return rows[0]?.retention_days ?? null;
}

export async function getReplay(client: Client, accountId: string, id: string): Promise<ReplayRow | null> {
  const { rows } = await client.query<RawReplay>(`SELECT ${COLUMNS} FROM replays WHERE id = $1 AND account_id = $2`, [id, accountId]);
  return rows[0] ? fromRaw(rows[0]) : null;
}

/** A webhook's replays newest first, after the keyset position `after` (created_at, id). */
export async function listReplays(client: Client, accountId: string, webhookId: string, after: { at: Date; id: string } | null, limit: number): Promise<ReplayRow[]> {
  const { rows } = await client.query<RawReplay>(
    `SELECT ${COLUMNS} FROM replays
      WHERE account_id = $1 AND webhook_id = $2 AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4))
      ORDER BY created_at DESC, id DESC LIMIT $5`,
    [accountId, webhookId, after?.at ?? null, after?.id ?? "", limit],
  );
  return rows.map(fromRaw);
}
