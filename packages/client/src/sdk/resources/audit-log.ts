import { unwrap } from "../call";
import type { Context } from "../client";
import { List } from "../list";
import type { AuditEntry, ListAuditLogQuery } from "../types";

export class AuditLogResource {
  constructor(private readonly ctx: Context) {}

  /**
   * Who changed what, newest first: filter by `targetId` (a webhook id…), `action`, `actorType`
   * and a [from, to) range. With the admin key, `accountId` names the account (required).
   */
  list(query: ListAuditLogQuery = {}): List<AuditEntry> {
    return new List((cursor) => unwrap(this.ctx.api.GET("/v1/audit-log", { params: { query: { ...query, ...(cursor ? { cursor } : {}) } } })));
  }
}
