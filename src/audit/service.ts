import type { AuditEntry as AuditRow } from "../generated/prisma/client";
import { decodeTimeCursor, timePage } from "../lib/cursor";
import type { Db } from "../lib/prisma";
import type { AuditEntryDto, AuditLogFilter } from "./schemas";

export interface AuditReadOptions {
  /** Targets this reader may not see: a portal session does not read about the account's API keys. */
  hiddenTargetTypes?: readonly string[];
}

/**
 * Reading the audit log: an account's entries newest first, keyset pages on (at, id) over the
 * (account_id, at, id) index, or the (account_id, target_id, at, id) one with a target. Only
 * reads; entries are written by src/audit/store.ts in the transactions of the changes.
 */
export function createAuditLog(deps: { db: Db }) {
  const { db } = deps;
  return {
    async list(accountId: string, f: AuditLogFilter, opts: AuditReadOptions = {}): Promise<{ data: AuditEntryDto[]; nextCursor: string | null }> {
      const after = decodeTimeCursor(f.cursor);
      const rows = await db.auditEntry.findMany({
        where: {
          accountId,
          ...(f.targetId ? { targetId: f.targetId } : {}),
          ...(f.action ? { action: f.action } : {}),
          ...(f.actorType ? { actorType: f.actorType } : {}),
          ...(opts.hiddenTargetTypes?.length ? { targetType: { notIn: [...opts.hiddenTargetTypes] } } : {}),
          at: { ...(f.from ? { gte: new Date(f.from) } : {}), ...(f.to ? { lt: new Date(f.to) } : {}) },
          ...(after ? { OR: [{ at: { lt: after.at } }, { at: after.at, id: { lt: after.id } }] } : {}),
        },
        orderBy: [{ at: "desc" }, { id: "desc" }],
        take: f.limit + 1,
      });
      const { page, nextCursor } = timePage(rows, f.limit, (r) => r.at);
      return { data: page.map(auditEntryDto), nextCursor };
    },
  };
}

export function auditEntryDto(r: AuditRow): AuditEntryDto {
  return {
    id: r.id,
    at: r.at.toISOString(),
    // Written only through src/audit/store.ts, whose types hold these to the schema's enums.
    action: r.action as AuditEntryDto["action"],
    target: { type: r.targetType as AuditEntryDto["target"]["type"], id: r.targetId },
    actor: { type: r.actorType as AuditEntryDto["actor"]["type"], id: r.actorId, name: r.actorName },
    requestId: r.requestId,
    changes: (r.changes as AuditEntryDto["changes"]) ?? null,
    reason: r.reason,
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
