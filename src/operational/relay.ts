import type { Clock } from "../lib/clock";
import { deliveryIdFor } from "../lib/ids";
import type { Logger } from "../lib/logger";
import { startPeriodic } from "../lib/periodic";
import type { Sql } from "../lib/prisma";
import type { EnqueueDeliveries } from "../events/service";
import type { Metrics } from "../metrics/metrics";
import { inTransaction } from "../lib/connection";

/**
 * The outbox relay: turns operational events written with their state change (store.ts, and
 * the success statement in src/delivery/delivery-store.ts) into deliveries, like ingest does
 * for emitted events, to the account's active webhooks subscribed to the type, never the one
 * it is about. A batch of notices, their deliveries and their "fanned out" mark commit
 * together, under SKIP LOCKED so that workers share the work and none fans a notice out
 * twice; the deliveries are then handed to the scheduler (a crash in between loses nothing:
 * the recovery sweep finds pending deliveries Redis lacks).
 */
export interface NoticeRelayDeps {
  sql: Sql;
  clock: Clock;
  enqueue: EnqueueDeliveries;
  metrics: Metrics;
  logger: Logger;
  /** Notices per transaction. */
  batch?: number;
}

interface PendingNotice {
  event_id: string;
  account_id: string;
  webhook_id: string;
  type: string;
}

export interface FannedOut {
  notices: number;
  deliveries: number;
}

export function createNoticeRelay(deps: NoticeRelayDeps) {
  const batch = deps.batch ?? 100;

  /** One batch; answers what it did (zero notices: nothing was waiting). */
  async function fanOutOnce(): Promise<FannedOut> {
    const now = deps.clock.now();
    const done = await inTransaction(deps.sql, async (client) => {
      const { rows: notices } = await client.query<PendingNotice>(
        `SELECT event_id, account_id, webhook_id, type FROM operational_events
          WHERE fanned_out_at IS NULL ORDER BY fanned_out_at, created_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [batch],
      );
      if (notices.length === 0) return null;
      const { rows: subscribers } = await client.query<{ id: string; account_id: string; event_types: string[] }>(
        `SELECT id, account_id, event_types FROM webhooks
          WHERE account_id = ANY($1::text[]) AND status = 'active' AND event_types && $2::text[]`,
        [[...new Set(notices.map((n) => n.account_id))], [...new Set(notices.map((n) => n.type))]],
      );
      const deliveries = notices.flatMap((n) =>
        subscribers
          .filter((w) => w.account_id === n.account_id && w.id !== n.webhook_id && w.event_types.includes(n.type))
          .map((w) => ({ id: deliveryIdFor(n.event_id), accountId: n.account_id, webhookId: w.id, eventId: n.event_id, eventType: n.type })),
      );
      if (deliveries.length > 0) {
        await client.query(
          `INSERT INTO deliveries (id, account_id, webhook_id, event_id, event_type, next_attempt_at, created_at, updated_at)
           SELECT id, account_id, webhook_id, event_id, event_type, $6, $6, $6
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS d(id, account_id, webhook_id, event_id, event_type)`,
          [deliveries.map((d) => d.id), deliveries.map((d) => d.accountId), deliveries.map((d) => d.webhookId), deliveries.map((d) => d.eventId), deliveries.map((d) => d.eventType), now],
        );
      }
      await client.query(`UPDATE operational_events SET fanned_out_at = $2 WHERE event_id = ANY($1::text[])`, [notices.map((n) => n.event_id), now]);
      return { notices, deliveries };
    });
    if (!done) return { notices: 0, deliveries: 0 };
    for (const n of done.notices) deps.metrics.operationalEvent(n.type);
    if (done.deliveries.length > 0) {
      deps.metrics.deliveriesCreated(done.deliveries.length, "operational");
      try {
        await deps.enqueue(done.deliveries.map((d) => ({ ...d, chain: 0, chainAttempts: 0, dueAt: now })));
      } catch (err) {
        deps.logger.warn({ err: err instanceof Error ? err.message : err, count: done.deliveries.length }, "enqueue of operational event deliveries failed; recovery will pick them up");
      }
    }
    return { notices: done.notices.length, deliveries: done.deliveries.length };
  }

  /** Everything waiting, batch after batch. */
  async function drain(): Promise<FannedOut> {
    const total = { notices: 0, deliveries: 0 };
    for (;;) {
      const r = await fanOutOnce();
      total.notices += r.notices;
      total.deliveries += r.deliveries;
      if (r.notices < batch) return total;
    }
  }

  return { fanOutOnce, drain };
}

export type NoticeRelay = ReturnType<typeof createNoticeRelay>;

/** Drains the outbox every `intervalMs`, and at once when nudged (a settlement just wrote notices). */
export function startNoticeRelay(relay: NoticeRelay, opts: { intervalMs: number; logger: Logger }) {
  return startPeriodic(() => relay.drain(), { ...opts, failure: "operational events relay failed; retrying on its next pass" });
}
