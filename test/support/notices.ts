import type { Pool } from "pg";
import { newId } from "../../src/lib/ids";
import { ensurePartitions } from "../../src/retention/partitions";
import type { OperationalEventData, OperationalEventType } from "../../src/operational/payloads";

/** The webhook a seeded notice is about, as its payload names it. */
export interface NoticeTarget {
  accountId: string;
  webhookId: string;
  url: string;
  description?: string | null;
}

export interface SeededNotice<T extends OperationalEventType = OperationalEventType> {
  id: string;
  type: T;
  createdAt: string;
  data: OperationalEventData[T];
}

/** A payload of each type about `w`, as src/operational/ writes them; `overrides` replace top-level fields. */
export function noticePayload<T extends OperationalEventType>(type: T, w: NoticeTarget, overrides: Partial<OperationalEventData[T]> = {}): OperationalEventData[T] {
  const webhook = { id: w.webhookId, url: w.url, description: w.description ?? null };
  const base: OperationalEventData = {
    "webhook.disabled": { webhook, reason: "the endpoint answered 410 Gone", reasonCode: "gone", disabledAt: "2026-12-01T14:30:00.000Z" },
    "webhook.failing": { webhook, consecutiveFailures: 5, failingSince: "2026-12-01T14:02:00.000Z", lastError: "HTTP 503" },
    "webhook.recovered": { webhook, failingSince: "2026-12-01T14:02:00.000Z", recoveredAt: "2026-12-01T15:00:00.000Z" },
    "delivery.exhausted": {
      webhook,
      delivery: { id: newId("dlv"), eventId: newId("evt"), eventType: "message.created", attempts: 8 },
      lastError: "HTTP 500",
      lastStatusCode: 500,
      alsoExhausted: 3,
    },
  };
  return { ...base[type], ...overrides };
}

/**
 * A notice written as the emitter stores one, in plain SQL: its row in `events` (the payload as
 * text) and its row in `operational_events` (what it is about), at `at`.
 */
export async function insertNotice<T extends OperationalEventType>(sql: Pool, w: NoticeTarget, type: T, at: Date, data: OperationalEventData[T] = noticePayload(type, w)): Promise<SeededNotice<T>> {
  const id = newId("evt", at.getTime());
  // Events are partitioned by the time in their ids: one seeded days ago needs that day's partition.
  await ensurePartitions(sql, { at: [at.getTime()], widthMs: 86_400_000, ahead: 0 });
  await sql.query(`INSERT INTO events (id, account_id, type, data, is_test, created_at) VALUES ($1, $2, $3, $4, false, $5)`, [id, w.accountId, type, JSON.stringify(data), at]);
  await sql.query(`INSERT INTO operational_events (event_id, account_id, webhook_id, type, created_at, fanned_out_at) VALUES ($1, $2, $3, $4, $5, $5)`, [
    id,
    w.accountId,
    w.webhookId,
    type,
    at,
  ]);
  return { id, type, createdAt: at.toISOString(), data };
}
