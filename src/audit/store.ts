import type { PoolClient } from "pg";
import type { Prisma } from "../generated/prisma/client";
import { newId } from "../lib/ids";
import type { Actor, AuditContext } from "./actor";
import type { Changes } from "./changes";

export type AuditAction =
  | "webhook.created"
  | "webhook.updated"
  | "webhook.secret_rotated"
  | "webhook.paused"
  | "webhook.disabled"
  | "webhook.enabled"
  | "webhook.deleted"
  | "event_type.created"
  | "event_types.imported"
  | "api_key.created"
  | "api_key.revoked"
  | "api_key.rotated"
  | "portal_session.created"
  | "portal_session.ended"
  | "delivery.redelivered"
  | "account.retention_changed"
  | "replay.started"
  | "replay.cancelled";

export type AuditTargetType = "webhook" | "event_type" | "api_key" | "portal_session" | "delivery" | "account";

export interface AuditEntryInput {
  accountId: string;
  action: AuditAction;
  targetType: AuditTargetType;
  targetId: string;
  /** Changed fields (src/audit/changes.ts), or what was created: never a secret's value. */
  changes?: Changes | Record<string, unknown> | null;
  /** Why: a system disable's reason, a pause's note. */
  reason?: string | null;
}

/**
 * Records one change in the transaction that makes it: `tx` is what `db.$transaction(async (tx) => …)`
 * gives, so the entry and the change commit together or not at all. A failed insert throws and
 * rolls the change back with it; that is the point.
 */
export async function writeAudit(tx: Prisma.TransactionClient, ctx: AuditContext, entry: AuditEntryInput): Promise<void> {
  const actor = actorColumns(ctx.actor);
  await tx.auditEntry.create({
    data: {
      id: newId("aud"),
      accountId: entry.accountId,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      actorType: actor.type,
      actorId: actor.id,
      actorName: actor.name,
      requestId: ctx.requestId,
      changes: (entry.changes ?? undefined) as Prisma.InputJsonValue | undefined,
      reason: entry.reason ?? null,
    },
  });
}

/** writeAudit for a raw SQL transaction on a pg client (the delivery path's settle). */
export async function writeAuditSql(client: Pick<PoolClient, "query">, ctx: AuditContext, entry: AuditEntryInput): Promise<void> {
  const actor = actorColumns(ctx.actor);
  await client.query(
    `INSERT INTO audit_log (id, account_id, action, target_type, target_id, actor_type, actor_id, actor_name, request_id, changes, reason)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11)`,
    [
      newId("aud"),
      entry.accountId,
      entry.action,
      entry.targetType,
      entry.targetId,
      actor.type,
      actor.id,
      actor.name,
      ctx.requestId,
      entry.changes ? JSON.stringify(entry.changes) : null,
      entry.reason ?? null,
    ],
  );
}

function actorColumns(actor: Actor): { type: Actor["type"]; id: string | null; name: string | null } {
  switch (actor.type) {
    case "api_key":
      return { type: actor.type, id: actor.id, name: actor.name };
    case "portal_session":
      return { type: actor.type, id: actor.id, name: null };
    case "admin":
    case "system":
      return { type: actor.type, id: null, name: null };
  }
}
