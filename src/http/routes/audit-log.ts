import type { AccountsService } from "../../accounts/service";
import type { AuditLog } from "../../audit/service";
import { AuditLogPage, ListAuditLogQuery } from "../../audit/schemas";
import { badRequest } from "../../lib/errors";
import { existingActingAccount } from "../auth";
import { defineRoute, type AnyRoute } from "../route";

/** What a portal session does not read about: the account's API keys are its backend's business. */
const HIDDEN_FROM_PORTAL = ["api_key"] as const;

export function auditLogRoutes(deps: { auditLog: AuditLog; accounts: AccountsService }): AnyRoute[] {
  return [
    defineRoute({
      method: "get",
      path: "/v1/audit-log",
      tag: "Audit log",
      summary: "Who changed what, newest first",
      description:
        "Every change to the account's webhooks, event types, API keys and portal sessions, and every redelivery: when, by whom (the API key's id and name, the admin key, a portal session, or the system), from which request (`requestId` is the X-Request-Id of the request), and which fields changed. Secrets appear only as `{changed: true}`. Filter by `targetId`, `action`, `actorType` and a [from, to) range; page with `cursor`. With the admin key, name the account in `accountId`. A portal session sees the entries about everything but API keys.",
      auth: "account-or-admin",
      scope: "audit:read",
      portal: "read",
      query: ListAuditLogQuery,
      success: { status: 200, description: "A page of audit entries.", schema: AuditLogPage },
      errors: [404],
      handle: async ({ principal, query }) => {
        if (principal.kind === "admin" && !query.accountId) throw badRequest("validation_failed", "query.accountId: required with the admin key");
        const accountId = await existingActingAccount(principal, query.accountId, deps.accounts);
        const hidden = principal.kind === "portal" ? HIDDEN_FROM_PORTAL : [];
        return { status: 200, body: await deps.auditLog.list(accountId, query, { hiddenTargetTypes: hidden }) };
      },
    }),
  ];
}
