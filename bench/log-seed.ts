import type { Pool } from "pg";
import { ensurePartitions } from "../src/retention/partitions";

/**
 * Delivery logs written by SQL (generate_series), not by delivering them: the read scenarios
 * measure reading, and millions of deliveries would take the bench hours to make. Each row is
 * an event, its one delivery and that delivery's one attempt, with ids of the API's shape (26
 * characters of its alphabet) that carry the row's time as the partitions need: a delivery's
 * id its event's time, an attempt's delivery_id its delivery's id
 * (prisma/migrations/…partition_by_time).
 *
 * Row g (0, 1, 2, …) has a time that depends on g alone, spread evenly over the span, so that
 * growing a log from 1M to 10M rows adds rows between the old ones rather than after them, and
 * the sizes compare: the same span, the same days, only denser.
 */
export const LOG_TYPES = ["message.created", "chat.status_changed", "meta.message", "invoice.paid", "user.updated"];
export const DAY_MS = 86_400_000;
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** Rows per INSERT: one statement per chunk of the span and per slice of this many. */
const SLICE = 500_000;

export interface LogShape {
  accountId: string;
  /** The webhooks the rows go to; the first gets `measuredShare` of them, the rest share the others evenly. */
  webhookIds: string[];
  measuredShare: number;
  /** The span: `days` days ending at `endMs`, written one day-long chunk at a time. */
  endMs: number;
  days: number;
  /** One row in this many failed (its delivery failed, its attempt a 503); 20 by default, 1 = all. */
  failEvery?: number;
}

/** The 10 time digits of an id for `ms` (a bigint SQL expression), as hookrelay_id_floor makes them but inline. */
function timeDigitsSql(ms: string): string {
  return Array.from({ length: 10 }, (_, i) => `substr('${ALPHABET}', (((${ms}) >> ${5 * (9 - i)}) & 31)::int + 1, 1)`).join(" || ");
}

/**
 * One chunk's rows [k0, k1) of chunk `chunk`: g = k * chunks + chunk. The position within the
 * chunk is the golden-ratio sequence of k (evenly spread for any count), the time digits are
 * computed once per row, and the id's last 16 digits are g in hex (valid Crockford digits).
 */
function rowsSql(shape: LogShape): string {
  const chunks = shape.days;
  const others = shape.webhookIds.length - 1;
  // Whole percent steps of g decide the webhook: share*100 of every 100 consecutive g go to the first.
  const measured = Math.round(shape.measuredShare * 100);
  const webhook =
    others === 0
      ? `($2::text[])[1]`
      : `CASE WHEN g % 100 < ${measured} THEN ($2::text[])[1] ELSE ($2::text[])[2 + (g / 100) % ${others}] END`;
  return `
    FROM generate_series($3::bigint, $4::bigint - 1) k,
    LATERAL (SELECT k * ${chunks} + $5::bigint AS g,
                    $6::bigint + floor((k * 0.6180339887498949::float8 - floor(k * 0.6180339887498949::float8)) * ${DAY_MS})::bigint AS ms) a,
    LATERAL (SELECT ${timeDigitsSql("a.ms")} || lpad(upper(to_hex(a.g)), 16, '0') AS tail,
                    to_timestamp(a.ms / 1000.0) AS at,
                    (ARRAY[${LOG_TYPES.map((t) => `'${t}'`).join(",")}])[1 + (a.g / 7) % ${LOG_TYPES.length}] AS type,
                    (a.g / 3) % ${shape.failEvery ?? 20} = 0 AS failed,
                    ${webhook.replace(/\bg\b/g, "a.g")} AS webhook_id) r`;
}

export function insertsSql(shape: LogShape): string[] {
  const from = rowsSql(shape);
  return [
    `INSERT INTO events (id, account_id, type, data, is_test, created_at)
     SELECT 'evt_' || r.tail, $1, r.type, '{"n":1}', false, r.at ${from}`,
    `INSERT INTO deliveries (id, account_id, webhook_id, event_id, event_type, status, attempt_count, chain_attempts, last_attempt_at, last_status_code, created_at, updated_at)
     SELECT 'dlv_' || r.tail, $1, r.webhook_id, 'evt_' || r.tail, r.type, CASE WHEN r.failed THEN 'failed' ELSE 'succeeded' END::delivery_status,
            1, 1, r.at, CASE WHEN r.failed THEN 503 ELSE 200 END, r.at, r.at ${from}`,
    // Response times spread from 1 ms to a few seconds, most around 30-100 ms.
    `INSERT INTO delivery_attempts (id, delivery_id, webhook_id, account_id, event_id, event_type, attempt_number, is_test, success,
                                    request_url, request_headers, response_status, response_time_ms, response_body, error_class, error_message, started_at, created_at)
     SELECT 'att_' || r.tail, 'dlv_' || r.tail, r.webhook_id, $1, 'evt_' || r.tail, r.type, 1, false, NOT r.failed,
            'https://example.com/hook', '{"content-type":"application/json"}'::jsonb, CASE WHEN r.failed THEN 503 ELSE 200 END,
            (exp(random() * 8))::int, 'ok', NULL, CASE WHEN r.failed THEN '503 Service Unavailable' END, r.at, r.at ${from}`,
  ];
}

/** The chunks' starts: chunk c covers [start + c·DAY, start + (c+1)·DAY). */
function chunkStarts(shape: LogShape): number[] {
  const start = shape.endMs - shape.days * DAY_MS;
  return Array.from({ length: shape.days }, (_, c) => start + c * DAY_MS);
}

/** Makes the (daily) partitions the span needs, as the API would on a miss. */
export async function ensureSpanPartitions(db: Pool, shape: LogShape, widthMs = DAY_MS): Promise<void> {
  const at = chunkStarts(shape).flatMap((lo) => [lo, lo + DAY_MS - 1]);
  await ensurePartitions(db, { at, widthMs, ahead: 1 });
}

/**
 * Writes rows [from, to) of the log (every chunk gets its share: row g goes to chunk g mod days),
 * so seeding 0..1M then 1M..10M gives the same log as 0..10M at once. `parallel` connections
 * write chunks side by side. Calls `progress` after each statement.
 */
export async function seedLog(db: Pool, shape: LogShape, from: number, to: number, opts: { parallel?: number; progress?: (rows: number) => void } = {}): Promise<void> {
  await ensureSpanPartitions(db, shape);
  const chunks = shape.days;
  const statements = insertsSql(shape);
  const jobs: { chunk: number; k0: number; k1: number }[] = [];
  for (let chunk = 0; chunk < chunks; chunk++) {
    // Rows g in [from, to) with g % chunks = chunk: k in [ceil((from - chunk)/chunks), ceil((to - chunk)/chunks)).
    const k0 = Math.max(0, Math.ceil((from - chunk) / chunks));
    const k1 = Math.max(0, Math.ceil((to - chunk) / chunks));
    for (let k = k0; k < k1; k += SLICE) jobs.push({ chunk, k0: k, k1: Math.min(k1, k + SLICE) });
  }
  const starts = chunkStarts(shape);
  let done = 0;
  const lane = async () => {
    const client = await db.connect();
    try {
      // Throwaway rows: no need to wait for the WAL flush of each statement.
      await client.query("SET synchronous_commit = off");
      for (let job = jobs.shift(); job; job = jobs.shift()) {
        const params = [shape.accountId, shape.webhookIds, job.k0, job.k1, job.chunk, starts[job.chunk]];
        for (const sql of statements) await client.query(sql, params);
        done += job.k1 - job.k0;
        opts.progress?.(done);
      }
    } finally {
      client.release();
    }
  };
  await Promise.all(Array.from({ length: opts.parallel ?? 1 }, lane));
}

/** Vacuum and analyse the three tables, as autovacuum would have by the time a log is this big. */
export async function settleLog(db: Pool): Promise<void> {
  for (const t of ["events", "deliveries", "delivery_attempts"]) await db.query(`VACUUM (ANALYZE) ${t}`);
}

/** Bytes on disk of a partitioned table (all its partitions, their indexes and TOAST). */
export async function partitionedBytes(db: Pool, table: string): Promise<number> {
  const { rows } = await db.query<{ bytes: string | null }>(
    `SELECT sum(pg_total_relation_size(c.oid))::bigint AS bytes
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = $1 AND p.relnamespace = current_schema()::regnamespace`,
    [table],
  );
  return Number(rows[0]?.bytes ?? 0);
}
