import type { Request } from "express";
import { allows, insufficientScope, type Scope } from "../access/scopes";
import { secretsEqual } from "../accounts/api-keys";
import type { AccountsService } from "../accounts/service";
import { AppError, badRequest, forbidden, unauthorized } from "../lib/errors";
import type { PortalSessions } from "../portal/sessions";
import { isSessionToken } from "../portal/tokens";
import type { AuthRequirement, PortalAccessNeeded } from "./route";

/**
 * Who is calling: the operator's service key, one account's key, or a person signed in to that
 * account's portal (a session token, never an API key: the browser holds nothing else).
 */
export type Principal =
  | { kind: "anonymous" }
  | { kind: "admin" }
  | { kind: "account"; accountId: string; keyId: string; keyName: string; scopes: string[] }
  | { kind: "portal"; accountId: string; sessionId: string; access: "manage" | "read" };

export interface AuthDeps {
  adminKey: string;
  accounts: AccountsService;
  portalSessions: PortalSessions;
}

/** What a route lets in: its key requirement, and what a portal session needs to use it (absent: no portal). */
export interface RouteAuth {
  auth: AuthRequirement;
  portal?: PortalAccessNeeded;
  /** What an account key needs here (every route an account key can reach declares one). */
  scope?: Scope;
}

export async function authenticate(req: Request, route: RouteAuth, deps: AuthDeps): Promise<Principal> {
  const need = route.auth;
  if (need === "public") return { kind: "anonymous" };
  const header = req.get("authorization");
  if (!header) throw unauthorized("missing Authorization header; send `Authorization: Bearer <api key>`");
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthorized("the Authorization header must be `Bearer <api key>`");
  const key = match[1]!;

  if (isSessionToken(key)) return portalPrincipal(key, route, deps);
  if (need === "portal") throw forbidden("this route is for portal sessions; sign in through a portal link");
  if (secretsEqual(key, deps.adminKey)) {
    if (need === "account") {
      throw forbidden("this route acts on one account's data and needs that account's API key, not the admin key");
    }
    return { kind: "admin" };
  }
  const found = await deps.accounts.authenticate(key);
  if (!found) throw unauthorized("the API key is not valid");
  if (need === "admin") throw forbidden("this route needs the admin key");
  // Checked here, where the key is known, before the rate limit or the body: a key refused for
  // its scope costs us no more than one refused for being wrong.
  if (route.scope && !allows(found.scopes, route.scope)) throw insufficientScope(route.scope);
  return { kind: "account", ...found };
}

/**
 * A portal session may use only the routes that say so, and a read-only one only those that
 * change nothing: the portal hides what a session may not do, and this is what enforces it.
 */
async function portalPrincipal(token: string, route: RouteAuth, deps: AuthDeps): Promise<Principal> {
  const session = await deps.portalSessions.authenticate(token);
  if (!route.portal) throw forbidden("a portal session cannot use this route; it needs an API key");
  if (route.portal === "manage" && session.access !== "manage") {
    throw new AppError(403, "read_only_session", "this portal session is read-only: it can look but not change anything");
  }
  return { kind: "portal", ...session };
}

/**
 * The account an `account-or-admin` route acts on: the admin names it, an account key is it.
 * Checking that a named account exists is the caller's job.
 */
export function actingAccount(principal: Principal, named: string | undefined): string {
  if (principal.kind === "admin") {
    if (!named) throw badRequest("validation_failed", "body.accountId: required with the admin key");
    return named;
  }
  const own = accountOf(principal);
  if (named !== undefined && named !== own) throw forbidden("an account key acts for its own account only");
  return own;
}

/** actingAccount, for routes that then use the account: one the admin names must exist (404). */
export async function existingActingAccount(principal: Principal, named: string | undefined, accounts: Pick<AccountsService, "get">): Promise<string> {
  const accountId = actingAccount(principal, named);
  if (principal.kind === "admin") await accounts.get(accountId);
  return accountId;
}

/** The account a route acts on; routes guarded by `auth: "account"` always have one. */
export function accountOf(principal: Principal): string {
  if (principal.kind !== "account" && principal.kind !== "portal") throw forbidden("this route needs an account API key");
  return principal.accountId;
}

/** The portal session a `portal` route serves. */
export function sessionOf(principal: Principal): string {
  if (principal.kind !== "portal") throw forbidden("this route is for portal sessions");
  return principal.sessionId;
}
