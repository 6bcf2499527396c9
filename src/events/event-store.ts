import type { Db } from "../lib/prisma";

/**
 * Ingestion's SQL, written out: it runs on every emitted event, and as raw SQL it skips
 * Prisma's per-query compilation (most of the API's CPU under load, per the benchmark).
 */
export interface NewEvent {
  id: string;
  accountId: string;
  type: string;
  data: string;
  idempotencyKey: string | null;
  createdAt: Date;
}

export interface NewDelivery {
  id: string;
  accountId: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  nextAttemptAt: Date;
}

/** The active webhooks of an account subscribed to any of `types`. */
export async function subscribedWebhooks(db: Db, accountId: string, types: string[]): Promise<{ id: string; eventTypes: string[] }[]> {
  const rows = await db.$queryRaw<{ id: string; event_types: string[] }[]>`
    SELECT id, event_types FROM webhooks
     WHERE account_id = ${accountId} AND status = 'active' AND event_types && ${types}::text[]`;
  return rows.map((r) => ({ id: r.id, eventTypes: r.event_types }));
}

/**
 * Events and their deliveries in ONE statement, so they are committed together or not at all
 * (an event stored without its deliveries would be a silent loss).
 */
export async function insertEventsWithDeliveries(db: Db, events: NewEvent[], deliveries: NewDelivery[]): Promise<void> {
  const at = events[0]!.createdAt;
  await db.$executeRaw`
    WITH new_events AS (
      INSERT INTO events (id, account_id, type, data, idempotency_key, is_test, created_at)
      SELECT id, account_id, type, data, idempotency_key, false, ${at}
        FROM unnest(${events.map((e) => e.id)}::text[], ${events.map((e) => e.accountId)}::text[], ${events.map((e) => e.type)}::text[],
                    ${events.map((e) => e.data)}::text[], ${events.map((e) => e.idempotencyKey)}::text[])
             AS t(id, account_id, type, data, idempotency_key)
      RETURNING id
    )
    INSERT INTO deliveries (id, account_id, webhook_id, event_id, event_type, next_attempt_at, created_at, updated_at)
    SELECT d.id, d.account_id, d.webhook_id, d.event_id, d.event_type, ${at}, ${at}, ${at}
      FROM unnest(${deliveries.map((d) => d.id)}::text[], ${deliveries.map((d) => d.accountId)}::text[], ${deliveries.map((d) => d.webhookId)}::text[],
                  ${deliveries.map((d) => d.eventId)}::text[], ${deliveries.map((d) => d.eventType)}::text[])
           AS d(id, account_id, webhook_id, event_id, event_type)
      JOIN new_events e ON e.id = d.event_id`;
}
