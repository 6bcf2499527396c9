import type { PoolClient } from "pg";
import { inTransaction } from "../lib/connection";
import { SYSTEM_AUDIT } from "../audit/actor";
import { writeAuditSql } from "../audit/store";
import { newId } from "../lib/ids";
import type { Sql } from "../lib/prisma";
import type { NoticeWebhook, OperationalEventData, OperationalEventType } from "./payloads";
import { exhaustedDecision, failingDue, type NoticePolicy } from "./policy";

/**
 * Operational events are written in the transaction of the state change they report: the
 * event row (so it reads and delivers like any other) and its operational_events row (what it
 * is about, and the outbox the relay fans out from, relay.ts). Commit both or neither: a crash
 * can neither lose nor double a notice.
 */
export interface Notice<T extends OperationalEventType = OperationalEventType> {
  type: T;
  accountId: string;
  webhookId: string;
  data: OperationalEventData[T];
}

const INSERT_NOTICE = `WITH e AS (
     INSERT INTO events (id, account_id, type, data, idempotency_key, is_test, created_at)
     VALUES ($1, $2, $3, $4, NULL, false, $6))
   INSERT INTO operational_events (event_id, account_id, webhook_id, type, created_at) VALUES ($1, $2, $5, $3, $6)`;

/** Writes one notice on `client`, inside the caller's transaction; answers its event id. */
export async function insertNotice(client: PoolClient, n: Notice, at: Date): Promise<string> {
  const id = newId("evt", at.getTime());
  await client.query(INSERT_NOTICE, [id, n.accountId, n.type, JSON.stringify(n.data), n.webhookId, at]);
  return id;
}

export interface FailureSettlement {
  webhookId: string;
  deliveryId: string;
  eventId: string;
  eventType: string;
  /** Settles the delivery on the transaction's connection (src/delivery/delivery-store.ts); true if this attempt settled it. */
  settle(client: PoolClient): Promise<boolean>;
  /** The failure tracker disables the webhook with this failure (src/health/failure-tracker.ts). */
  disable: { reason: string; code: "gone" | "failing" } | null;
  lastError: string;
  lastStatusCode: number | null;
  attempts: number;
  at: Date;
}

interface LockedWebhook {
  account_id: string;
  url: string;
  description: string | null;
  status: "active" | "disabled" | "deleted";
  consecutive_failures: number;
  failing_since: Date | null;
  failing_notice_open: boolean;
  failing_noticed_at: Date | null;
  exhausted_noticed_at: Date | null;
  exhausted_folded: number;
}

/**
 * A failed attempt's settlement when the policy said a notice may be due: the delivery, the
 * disable and the notices in one transaction, each notice decided again on the webhook row
 * locked here (another worker may have raised it a moment ago). Answers the notices written.
 */
export async function settleFailureWithNotices(sql: Sql, s: FailureSettlement, candidates: readonly OperationalEventType[], p: NoticePolicy): Promise<number> {
  return inTransaction(sql, async (client) => {
    const { rows } = await client.query<LockedWebhook>(
      `SELECT account_id, url, description, status::text AS status, consecutive_failures, failing_since,
              failing_notice_open, failing_noticed_at, exhausted_noticed_at, exhausted_folded
         FROM webhooks WHERE id = $1 FOR NO KEY UPDATE`,
      [s.webhookId],
    );
    const w = rows[0];
    const settled = await s.settle(client);
    if (!w) return 0;
    const about: NoticeWebhook = { id: s.webhookId, url: w.url, description: w.description };
    const notices: Notice[] = [];
    if (candidates.includes("webhook.disabled") && s.disable && w.status === "active") {
      await client.query(`UPDATE webhooks SET status = 'disabled', disabled_reason = $2, disabled_at = $3, updated_at = $3 WHERE id = $1`, [s.webhookId, s.disable.reason, s.at]);
      // The audit log's record of the disable commits with it; a disable is rare, so this costs the hot path nothing.
      await writeAuditSql(client, SYSTEM_AUDIT, {
        accountId: w.account_id,
        action: "webhook.disabled",
        targetType: "webhook",
        targetId: s.webhookId,
        changes: { status: { from: "active", to: "disabled" } },
        reason: s.disable.reason,
      });
      notices.push(notice("webhook.disabled", w, s.webhookId, { webhook: about, reason: s.disable.reason, reasonCode: s.disable.code, disabledAt: s.at.toISOString() }));
    }
    const failing = { consecutiveFailures: w.consecutive_failures, failingNoticeOpen: w.failing_notice_open, failingNoticedAt: w.failing_noticed_at };
    if (candidates.includes("webhook.failing") && w.status === "active" && failingDue(failing, s.at, p)) {
      await client.query(`UPDATE webhooks SET failing_notice_open = true, failing_noticed_at = $2 WHERE id = $1`, [s.webhookId, s.at]);
      notices.push(
        notice("webhook.failing", w, s.webhookId, { webhook: about, consecutiveFailures: w.consecutive_failures, failingSince: w.failing_since?.toISOString() ?? null, lastError: s.lastError }),
      );
    }
    // Only the attempt that settled the delivery reports it: a second run of the same attempt settles nothing.
    if (candidates.includes("delivery.exhausted") && settled) {
      const decision = exhaustedDecision({ noticedAt: w.exhausted_noticed_at, folded: w.exhausted_folded }, s.at, p);
      await client.query(`UPDATE webhooks SET exhausted_noticed_at = $2, exhausted_folded = $3 WHERE id = $1`, [s.webhookId, decision.next.noticedAt, decision.next.folded]);
      if (decision.emit) {
        notices.push(
          notice("delivery.exhausted", w, s.webhookId, {
            webhook: about,
            delivery: { id: s.deliveryId, eventId: s.eventId, eventType: s.eventType, attempts: s.attempts },
            lastError: s.lastError,
            lastStatusCode: s.lastStatusCode,
            alsoExhausted: decision.alsoExhausted,
          }),
        );
      }
    }
    for (const n of notices) await insertNotice(client, n, s.at);
    return notices.length;
  });
}

function notice<T extends OperationalEventType>(type: T, w: LockedWebhook, webhookId: string, data: OperationalEventData[T]): Notice<T> {
  return { type, accountId: w.account_id, webhookId, data };
}
