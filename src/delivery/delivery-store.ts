import { idFloor, idTime, isWellFormedId, LEGACY_DELIVERY_LAG_MS, newId } from "../lib/ids";
import type { PoolClient } from "pg";
import { preparedStatement, type Sql } from "../lib/prisma";

/**
 * The delivery hot path's SQL, written out and sent on the pg pool directly: every attempt
 * runs these, and going around Prisma's per-query work halves what a worker spends per
 * delivery (`npm run bench -- --profile`). Reads and successful settlements take arrays, so a
 * worker's concurrent jobs share round trips (see store.ts). Cold paths keep the Prisma client.
 */
export interface DeliveryForAttempt {
  id: string;
  accountId: string;
  webhookId: string;
  eventType: string;
  status: "pending" | "succeeded" | "failed" | "skipped" | "cancelled";
  isTest: boolean;
  attemptCount: number;
  chain: number;
  chainAttempts: number;
  nextAttemptAt: Date | null;
  /** `traceContext`: the W3C traceparent of the event's span, null when it was accepted with tracing off (src/tracing/). */
  event: { id: string; type: string; createdAt: Date; data: string; traceContext: string | null };
  webhook: {
    url: string;
    status: "active" | "disabled" | "deleted";
    disabledReason: string | null;
    dialect: string;
    dialectOptions: unknown;
    verifyTokenCipher: string;
    previousSecretCipher: string | null;
    previousSecretExpiresAt: Date | null;
    /** Mutual TLS: the PEM chain and the sealed key, both null for a webhook without one. */
    clientCertificate: string | null;
    clientKeyCipher: string | null;
  };
}

interface Row {
  id: string;
  account_id: string;
  webhook_id: string;
  event_type: string;
  status: DeliveryForAttempt["status"];
  is_test: boolean;
  attempt_count: number;
  chain: number;
  chain_attempts: number;
  next_attempt_at: Date | null;
  event_id: string;
  e_type: string;
  e_created_at: Date;
  e_data: string;
  e_trace_context: string | null;
  url: string;
  w_status: "active" | "disabled" | "deleted";
  disabled_reason: string | null;
  dialect: string;
  dialect_options: unknown;
  verify_token_cipher: string;
  previous_secret_cipher: string | null;
  previous_secret_expires_at: Date | null;
  client_certificate: string | null;
  client_key_cipher: string | null;
}

const LOAD = preparedStatement<Row>(
  "load_for_attempts",
  `SELECT d.id, d.account_id, d.webhook_id, d.event_type, d.status::text AS status, d.is_test,
          d.attempt_count, d.chain, d.chain_attempts, d.next_attempt_at,
          e.id AS event_id, e.type AS e_type, e.created_at AS e_created_at, e.data AS e_data, e.trace_context AS e_trace_context,
          w.url, w.status::text AS w_status, w.disabled_reason, w.dialect, w.dialect_options,
          w.verify_token_cipher, w.previous_secret_cipher, w.previous_secret_expires_at,
          w.client_certificate, w.client_key_cipher
     FROM deliveries d
     -- One index probe per delivery, in the one partition its event id falls in. As a plain join
     -- the generic plan may hash every event of the range instead (millions in a busy hour);
     -- OFFSET 0 keeps the subquery a parameterized nested loop.
     CROSS JOIN LATERAL (SELECT * FROM events e WHERE e.id = d.event_id AND e.id >= $4 AND e.id < $5 OFFSET 0) e
     JOIN webhooks w ON w.id = d.webhook_id
    WHERE d.id = ANY($1::text[]) AND d.id >= $2 AND d.id <= $3`,
);

/**
 * The least and greatest of `ids`. Deliveries and events are partitioned by the time in their
 * ids; with `id = ANY($1)` alone a prepared statement's plan reads every partition, while
 * `id >= $2 AND id <= $3` lets Postgres drop the others as it starts executing.
 */
export function idSpan(ids: readonly string[]): [string, string] {
  let lo = ids[0]!;
  let hi = ids[0]!;
  for (const id of ids) {
    if (id < lo) lo = id;
    if (id > hi) hi = id;
  }
  return [lo, hi];
}


/** The deliveries (with event and webhook) among `ids`; a missing id has no entry. */
export async function loadForAttempts(sql: Sql, asked: string[]): Promise<Map<string, DeliveryForAttempt>> {
  // Only an id of the right shape carries a time to bound the partitions by (and can exist).
  const ids = asked.filter((id) => isWellFormedId(id, "dlv"));
  if (ids.length === 0) return new Map();
  const [lo, hi] = idSpan(ids);
  const events = [idFloor("evt", idTime(lo) - LEGACY_DELIVERY_LAG_MS), idFloor("evt", idTime(hi) + 1)];
  const { rows } = await LOAD(sql, [ids, lo, hi, ...events]);
  return new Map(rows.map((r) => [r.id, toDelivery(r)]));
}

function toDelivery(r: Row): DeliveryForAttempt {
  return {
    id: r.id,
    accountId: r.account_id,
    webhookId: r.webhook_id,
    eventType: r.event_type,
    status: r.status,
    isTest: r.is_test,
    attemptCount: r.attempt_count,
    chain: r.chain,
    chainAttempts: r.chain_attempts,
    nextAttemptAt: r.next_attempt_at,
    event: { id: r.event_id, type: r.e_type, createdAt: r.e_created_at, data: r.e_data, traceContext: r.e_trace_context },
    webhook: {
      url: r.url,
      status: r.w_status,
      disabledReason: r.disabled_reason,
      dialect: r.dialect,
      dialectOptions: r.dialect_options,
      verifyTokenCipher: r.verify_token_cipher,
      previousSecretCipher: r.previous_secret_cipher,
      previousSecretExpiresAt: r.previous_secret_expires_at,
      clientCertificate: r.client_certificate,
      clientKeyCipher: r.client_key_cipher,
    },
  };
}

export interface AttemptRow {
  id: string;
  deliveryId: string;
  webhookId: string;
  accountId: string;
  eventId: string;
  eventType: string;
  attemptNumber: number;
  isTest: boolean;
  success: boolean;
  requestUrl: string;
  requestHeaders: Record<string, string>;
  responseStatus: number | null;
  responseTimeMs: number;
  responseBody: string | null;
  errorClass: string | null;
  errorMessage: string | null;
  startedAt: Date;
}

export interface Settlement {
  deliveryId: string;
  chain: number;
  /** This attempt's number. Not written: the store counts logged attempts itself (see OWNED). */
  attemptCount: number;
  chainAttempts: number;
  at: Date;
  statusCode: number | null;
  lastError: string | null;
  status: "pending" | "succeeded" | "failed";
  nextAttemptAt: Date | null;
}

export interface WebhookFailureState {
  status: "active" | "disabled" | "deleted";
  consecutiveFailures: number;
  failingSince: Date | null;
  /** Whether a webhook.failing notice is out, and when the last went (src/operational/policy.ts). */
  failingNoticeOpen: boolean;
  failingNoticedAt: Date | null;
}

/** Attempt rows as one parameter per column, for `unnest`: one statement, any number of rows. */
const ATTEMPT_COLUMNS = `id, delivery_id, webhook_id, account_id, event_id, event_type, attempt_number, is_test, success,
       request_url, request_headers, response_status, response_time_ms, response_body, error_class, error_message, started_at`;

const ATTEMPT_ARRAYS: [string, (a: AttemptRow) => unknown][] = [
  ["text", (a) => a.id],
  ["text", (a) => a.deliveryId],
  ["text", (a) => a.webhookId],
  ["text", (a) => a.accountId],
  ["text", (a) => a.eventId],
  ["text", (a) => a.eventType],
  ["int", (a) => a.attemptNumber],
  ["bool", (a) => a.isTest],
  ["bool", (a) => a.success],
  ["text", (a) => a.requestUrl],
  ["jsonb", (a) => JSON.stringify(a.requestHeaders)],
  ["int", (a) => a.responseStatus],
  ["int", (a) => a.responseTimeMs],
  ["text", (a) => a.responseBody],
  ["text", (a) => a.errorClass],
  ["text", (a) => a.errorMessage],
  ["timestamptz", (a) => a.startedAt],
];

/** `unnest($first::text[], …)` over the attempt columns. */
function attemptsUnnest(first: number): string {
  return `unnest(${ATTEMPT_ARRAYS.map(([type], i) => `$${first + i}::${type}[]`).join(", ")})`;
}

function attemptValues(rows: AttemptRow[]): unknown[] {
  return ATTEMPT_ARRAYS.map(([, get]) => rows.map(get));
}

const N_ATTEMPT = ATTEMPT_ARRAYS.length;

const INSERT_ATTEMPT = preparedStatement("insert_attempt", `INSERT INTO delivery_attempts (${ATTEMPT_COLUMNS}) SELECT * FROM ${attemptsUnnest(1)}`);

/** A single attempt-log row (test events, which settle their delivery themselves). */
export async function insertAttempt(sql: Sql, a: AttemptRow): Promise<void> {
  await INSERT_ATTEMPT(sql, attemptValues([a]));
}

export interface Success {
  row: AttemptRow;
  settlement: Settlement;
}

/**
 * A delivery's attempt count counts every attempt logged for it, so that the two always agree:
 * also the attempt of a worker that was cut off from Redis and Postgres, whose job another
 * worker took over and settled meanwhile, and whose outcome arrives when its link comes back.
 * The attempt happened (the receiver got it), so it is logged and counted; it settles nothing.
 * Only the attempt the delivery waits for settles it: its chain, still pending, and the chain's
 * attempts so far one less than this one's (so a second run of the same attempt settles once).
 * One UPDATE with the ownership test per column, not two on disjoint rows: a row changed
 * concurrently is re-checked as it is now, and so is counted exactly once either way.
 */
/** A timestamp column as JSON's ISO text, the way Date.prototype.toISOString writes it. */
const isoText = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const OWNED = "d.chain = s.chain AND d.status = 'pending' AND d.chain_attempts = s.chain_attempts - 1";
const ifOwned = (column: string, value: string) => `${column} = CASE WHEN ${OWNED} THEN ${value} ELSE d.${column} END`;

const RECORD_SUCCESSES = preparedStatement(
  "record_successes",
  `WITH attempt AS (
     INSERT INTO delivery_attempts (${ATTEMPT_COLUMNS}) SELECT * FROM ${attemptsUnnest(1)}
   ),
   s AS (
     SELECT * FROM unnest($${N_ATTEMPT + 1}::text[], $${N_ATTEMPT + 2}::int[], $${N_ATTEMPT + 3}::int[], $${N_ATTEMPT + 4}::timestamptz[], $${N_ATTEMPT + 5}::int[], $${N_ATTEMPT + 6}::text[], $${N_ATTEMPT + 7}::text[])
       AS t(delivery_id, chain, chain_attempts, at, status_code, webhook_id, notice_id)
   ),
   due AS (
     SELECT w.id, w.account_id, w.url, w.description, w.failing_since, w.failing_notice_open, h.at, h.notice_id FROM webhooks w
       JOIN (SELECT webhook_id, max(at) AS at, min(notice_id) AS notice_id FROM s GROUP BY webhook_id) h ON h.webhook_id = w.id
      WHERE (w.consecutive_failures > 0 OR w.failing_notice_open OR w.last_success_at IS NULL OR w.last_success_at < h.at - interval '10 seconds')
        -- An attempt under way as its webhook was deleted: no recovery to report about a webhook that is gone.
        AND w.status <> 'deleted'
      ORDER BY w.id
        FOR NO KEY UPDATE OF w
   ),
   webhook AS (
     UPDATE webhooks w
        SET consecutive_failures = 0, failing_since = NULL, failing_notice_open = false, last_success_at = due.at, updated_at = due.at
       FROM due WHERE w.id = due.id
   ),
   -- A webhook reported failing (src/operational/) recovers with this success: its notice is
   -- written here, with the reset, so that it goes out exactly once (the row is locked above).
   recovered AS (
     INSERT INTO events (id, account_id, type, data, idempotency_key, is_test, created_at)
     SELECT notice_id, account_id, 'webhook.recovered',
            json_build_object('webhook', json_build_object('id', id, 'url', url, 'description', description),
                              'failingSince', ${isoText("failing_since")}, 'recoveredAt', ${isoText("at")})::text,
            NULL, false, at
       FROM due WHERE failing_notice_open
   ),
   recovered_outbox AS (
     INSERT INTO operational_events (event_id, account_id, webhook_id, type, created_at)
     SELECT notice_id, account_id, id, 'webhook.recovered', at FROM due WHERE failing_notice_open
   )
   UPDATE deliveries d
      SET attempt_count = d.attempt_count + 1,
          ${ifOwned("chain_attempts", "s.chain_attempts")}, ${ifOwned("last_attempt_at", "s.at")},
          ${ifOwned("last_status_code", "s.status_code")}, ${ifOwned("last_error", "NULL")},
          ${ifOwned("status", "'succeeded'")}, ${ifOwned("next_attempt_at", "NULL")}, ${ifOwned("updated_at", "s.at")}
     FROM s
    WHERE d.id = s.delivery_id AND d.id >= $${N_ATTEMPT + 8} AND d.id <= $${N_ATTEMPT + 9}`,
);

/**
 * Successful attempts, all in ONE statement (one round trip; all of it or none): the attempt-log
 * rows, each counted on its delivery; each delivery settled only if still pending in its chain
 * (a redelivery may own it now, or a worker that took the job over from one cut off from Redis
 * may have settled it); the webhooks' failure runs reset. The hot webhook row is only written
 * when something changes or its last-success time is more than a few seconds stale, and rows
 * are locked in id order so two workers' batches cannot deadlock on them. A webhook reported
 * failing gets its webhook.recovered notice in the same statement.
 */
export async function recordSuccesses(sql: Sql, successes: Success[]): Promise<void> {
  if (successes.length === 0) return;
  await RECORD_SUCCESSES(sql, [
    ...attemptValues(successes.map((s) => s.row)),
    successes.map((s) => s.settlement.deliveryId),
    successes.map((s) => s.settlement.chain),
    successes.map((s) => s.settlement.chainAttempts),
    successes.map((s) => s.settlement.at),
    successes.map((s) => s.settlement.statusCode),
    successes.map((s) => s.row.webhookId),
    // An id for the webhook.recovered notice each success might raise; used only when it does.
    successes.map((s) => newId("evt", s.settlement.at.getTime())),
    ...idSpan(successes.map((s) => s.settlement.deliveryId)),
  ]);
}

const RECORD_FAILURE = preparedStatement<{
  status: "active" | "disabled" | "deleted";
  consecutive_failures: number;
  failing_since: Date | null;
  failing_notice_open: boolean;
  failing_noticed_at: Date | null;
}>(
  "record_failure",
  `WITH attempt AS (INSERT INTO delivery_attempts (${ATTEMPT_COLUMNS}) SELECT * FROM ${attemptsUnnest(3)}),
   counted AS (UPDATE deliveries SET attempt_count = attempt_count + 1 WHERE id = ($4::text[])[1])
   UPDATE webhooks
      SET consecutive_failures = consecutive_failures + 1,
          failing_since = COALESCE(failing_since, $2),
          last_failure_at = $2
    WHERE id = $1
RETURNING status::text AS status, consecutive_failures, failing_since, failing_notice_open, failing_noticed_at`,
);

/**
 * A failed attempt, in two steps so that the failure tracker can decide in between: first the
 * attempt-log row, counted on its delivery (as a success is: see OWNED), and one more in the
 * webhook's run of failures (its counters come back)…
 */
export async function recordFailure(sql: Sql, a: AttemptRow, at: Date): Promise<WebhookFailureState | null> {
  const { rows } = await RECORD_FAILURE(sql, [a.webhookId, at, ...attemptValues([a])]);
  const state = rows[0];
  if (!state) return null;
  return {
    status: state.status,
    consecutiveFailures: state.consecutive_failures,
    failingSince: state.failing_since,
    failingNoticeOpen: state.failing_notice_open,
    failingNoticedAt: state.failing_noticed_at,
  };
}

// No attempt_count here: recordFailure counted the attempt already, settled or not.
const SETTLE_FAILURE = preparedStatement(
  "settle_failure",
  `UPDATE deliveries
      SET chain_attempts = $2, last_attempt_at = $3, last_status_code = $4, last_error = $5,
          status = $6::delivery_status, next_attempt_at = $7, updated_at = $3
    WHERE id = $1 AND chain = $8 AND status = 'pending' AND chain_attempts = $2 - 1`,
);

/**
 * …then the delivery; answers whether this attempt settled it (a second run of the same
 * attempt settles nothing). On the pool, or inside the transaction of src/operational/store.ts
 * when the webhook is being disabled or a notice may be due, which writes them with it.
 */
export async function settleFailure(on: Sql | PoolClient, s: Settlement): Promise<boolean> {
  const { rowCount } = await SETTLE_FAILURE(on, [s.deliveryId, s.chainAttempts, s.at, s.statusCode, s.lastError, s.status, s.nextAttemptAt, s.chain]);
  return rowCount === 1;
}

const MARK_SKIPPED = preparedStatement(
  "mark_skipped",
  `UPDATE deliveries SET status = 'skipped', next_attempt_at = NULL, last_error = $3, updated_at = now()
    WHERE id = $1 AND chain = $2 AND status = 'pending'`,
);

/** A delivery due for a disabled webhook is not attempted: it is settled as skipped. */
export async function markSkipped(sql: Sql, deliveryId: string, chain: number, reason: string): Promise<void> {
  await MARK_SKIPPED(sql, [deliveryId, chain, reason]);
}

/**
 * A pending delivery of a deleted webhook is not attempted: it ends cancelled, as the delete
 * left the others. Rare (one written by an ingestion that read the webhook just before the
 * delete committed, or a redelivery racing it), hence not a prepared statement.
 */
export async function markCancelled(sql: Sql, deliveryId: string, chain: number, reason: string): Promise<void> {
  await sql.query(
    `UPDATE deliveries SET status = 'cancelled', next_attempt_at = NULL, last_error = $3, updated_at = now()
      WHERE id = $1 AND chain = $2 AND status = 'pending'`,
    [deliveryId, chain, reason],
  );
}
