import type { Principal } from "../http/auth";
import type { RouteInput } from "../http/route";

/**
 * Who made a change, as the audit log records it: an account's API key (by id and the name it
 * had then, so a renamed or revoked key's entries still read), the operator's admin key, a
 * person in the portal (by session), or hookrelay itself (a webhook disabled for failing).
 */
export type Actor =
  | { type: "api_key"; id: string; name: string }
  | { type: "admin" }
  | { type: "portal_session"; id: string }
  | { type: "system" };

/** Everything an audited change needs to say who made it and from which request. */
export interface AuditContext {
  actor: Actor;
  /** The request's X-Request-Id (src/http/app.ts); null for changes no request made. */
  requestId: string | null;
}

/** The system's own changes: no request, no key. */
export const SYSTEM_AUDIT: AuditContext = { actor: { type: "system" }, requestId: null };

export function actorOf(principal: Principal): Actor {
  switch (principal.kind) {
    case "account":
      return { type: "api_key", id: principal.keyId, name: principal.keyName };
    case "admin":
      return { type: "admin" };
    case "portal":
      return { type: "portal_session", id: principal.sessionId };
    case "anonymous":
      // Public routes change nothing; one that tried would be a bug, not the system acting.
      throw new Error("an anonymous request cannot make an audited change");
  }
}

/** The request's id as src/http/app.ts set it on the response; null when there is none. */
export function requestIdOf(res: Pick<RouteInput<unknown, unknown, unknown>["res"], "getHeader">): string | null {
  const id = res.getHeader("x-request-id");
  return typeof id === "string" && id !== "" ? id : null;
}

export function auditContextOf(input: Pick<RouteInput<unknown, unknown, unknown>, "principal" | "res">): AuditContext {
  return { actor: actorOf(input.principal), requestId: requestIdOf(input.res) };
}
