import { preparedStatement, type Sql } from "../lib/prisma";

/**
 * Ingestion's SQL, written out and sent on the pg pool directly: it runs on every emitted
 * event, and Prisma's per-query work was most of the API's CPU under load (per the benchmark).
 */
export interface NewEvent {
  id: string;
  accountId: string;
  type: string;
  data: string;
  idempotencyKey: string | null;
  createdAt: Date;
  /**
   * The W3C traceparent of the event's span (src/tracing/), null with tracing off. It rides in
   * the row, not in the BullMQ job: a job lives only from dispatch to the end of one attempt
   * (delivery/queue.ts, scheduler/); a retry is a new ticket made from Postgres, maybe hours
   * later, and recovery makes jobs again from rows. The row is the one carrier every path keeps,
   * so every attempt of every delivery finds its event's trace there.
   */
  traceContext?: string | null;
}

export interface NewDelivery {
  id: string;
  accountId: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  nextAttemptAt: Date;
}

export interface IngestLookup {
  /** Those of the asked types this account cannot emit (neither built in nor its own). */
  unknownTypes: string[];
  /** The account's active webhooks subscribed to any of them. */
  webhooks: { id: string; eventTypes: string[] }[];
}

const LOOKUP = preparedStatement<{ kind: "type" | "webhook"; id: string; event_types: string[] | null }>(
  "ingest_lookup",
  `SELECT 'type' AS kind, name AS id, NULL::text[] AS event_types
     FROM event_types WHERE name = ANY($2::text[]) AND (account_id IS NULL OR account_id = $1)
   UNION ALL
   SELECT 'webhook', id, event_types
     FROM webhooks WHERE account_id = $1 AND status = 'active' AND event_types && $2::text[]`,
);

/** What ingesting events of `types` must know, in one round trip. */
export async function ingestLookup(sql: Sql, accountId: string, types: string[]): Promise<IngestLookup> {
  const { rows } = await LOOKUP(sql, [accountId, types]);
  const known = new Set(rows.filter((r) => r.kind === "type").map((r) => r.id));
  return {
    unknownTypes: types.filter((t) => !known.has(t)),
    webhooks: rows.filter((r) => r.kind === "webhook").map((r) => ({ id: r.id, eventTypes: r.event_types ?? [] })),
  };
}

const INSERT = preparedStatement<{ id: string }>(
  "insert_events_with_deliveries",
  `WITH new_events AS (
     INSERT INTO events (id, account_id, type, data, idempotency_key, is_test, created_at, trace_context)
     SELECT id, account_id, type, data, idempotency_key, false, created_at, trace_context
       FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $12::text[])
            AS t(created_at, id, account_id, type, data, idempotency_key, trace_context)
     RETURNING id, created_at
   ), keys AS (
     -- The key's uniqueness lives here: events are partitioned by time, and a unique index on
     -- them could only be unique per partition. A key in use fails the whole statement (23505).
     INSERT INTO idempotency_keys (account_id, key, event_id, created_at)
     SELECT account_id, idempotency_key, id, created_at
       FROM unnest($1::timestamptz[], $2::text[], $3::text[], $6::text[]) AS k(created_at, id, account_id, idempotency_key)
      WHERE idempotency_key IS NOT NULL
   )
   INSERT INTO deliveries (id, account_id, webhook_id, event_id, event_type, next_attempt_at, created_at, updated_at)
   SELECT d.id, d.account_id, d.webhook_id, d.event_id, d.event_type, e.created_at, e.created_at, e.created_at
     FROM unnest($7::text[], $8::text[], $9::text[], $10::text[], $11::text[]) AS d(id, account_id, webhook_id, event_id, event_type)
     JOIN new_events e ON e.id = d.event_id
     -- The subscribers may come from a cache (lookup-cache.ts): only those still active and
     -- subscribed as this commits get a delivery.
     JOIN webhooks w ON w.id = d.webhook_id AND w.status = 'active' AND d.event_type = ANY(w.event_types)
   RETURNING id`,
);

/**
 * Events and their deliveries in ONE statement, so they are committed together or not at all
 * (an event stored without its deliveries would be a silent loss). Answers the ids of the
 * deliveries written: those of `deliveries` whose webhook still wanted the event.
 */
export async function insertEventsWithDeliveries(sql: Sql, events: NewEvent[], deliveries: NewDelivery[]): Promise<ReadonlySet<string>> {
  const { rows } = await INSERT(sql, [
    events.map((e) => e.createdAt),
    events.map((e) => e.id),
    events.map((e) => e.accountId),
    events.map((e) => e.type),
    events.map((e) => e.data),
    events.map((e) => e.idempotencyKey),
    deliveries.map((d) => d.id),
    deliveries.map((d) => d.accountId),
    deliveries.map((d) => d.webhookId),
    deliveries.map((d) => d.eventId),
    deliveries.map((d) => d.eventType),
    events.map((e) => e.traceContext ?? null),
  ]);
  return new Set(rows.map((r) => r.id));
}
