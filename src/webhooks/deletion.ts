import type { AuditContext } from "../audit/actor";
import { writeAudit } from "../audit/store";
import type { Webhook as WebhookRow } from "../generated/prisma/client";
import type { Db } from "../lib/prisma";

/** What a delivery cancelled by its webhook's deletion says as its last error. */
export const CANCELLED_BY_DELETE = "cancelled: webhook deleted";

/**
 * A write's row: the webhook, unless it was deleted meanwhile (the handshake before a write
 * takes seconds). Prisma answers P2025 then, which the service makes the 404 a deleted one gets.
 */
export const notDeleted = (id: string) => ({ id, status: { not: "deleted" as const } });

/**
 * A soft delete, in one transaction: the webhook marked deleted, every pending delivery of it
 * cancelled, the audit entry. It and its log stay readable by id until the retention pass
 * removes them (purge.ts). Nothing is sent to it afterwards: a job already queued, a retry or
 * a recovery finds its delivery cancelled and drops it, or (a delivery written by an ingestion
 * or redelivery that read the webhook just before this committed) finds the webhook deleted
 * and cancels it (src/delivery/deliver.ts, triage). Attempts already under way finish and are
 * logged, but settle nothing: a delivery is settled only while pending (delivery-store.ts).
 */
export async function softDelete(db: Db, row: WebhookRow, now: Date, audit: AuditContext): Promise<void> {
  await db.$transaction(async (tx) => {
    // First, so that the row lock orders it against a concurrent enable, pause or second delete.
    await tx.webhook.update({ where: notDeleted(row.id), data: { status: "deleted", deletedAt: now } });
    await tx.delivery.updateMany({
      where: { webhookId: row.id, status: "pending" },
      data: { status: "cancelled", nextAttemptAt: null, lastError: CANCELLED_BY_DELETE, updatedAt: now },
    });
    await writeAudit(tx, audit, {
      accountId: row.accountId,
      action: "webhook.deleted",
      targetType: "webhook",
      targetId: row.id,
      changes: { status: { from: row.status, to: "deleted" } },
    });
  });
}
