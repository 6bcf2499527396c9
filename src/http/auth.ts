import type { Request } from "express";
import { secretsEqual } from "../accounts/api-keys";
import type { AccountsService } from "../accounts/service";
import { badRequest, forbidden, unauthorized } from "../lib/errors";
import type { AuthRequirement } from "./route";

/** Who is calling: the operator's service key, or one account's key. */
export type Principal = { kind: "anonymous" } | { kind: "admin" } | { kind: "account"; accountId: string; keyId: string };

export interface AuthDeps {
  adminKey: string;
  accounts: AccountsService;
}

export async function authenticate(req: Request, need: AuthRequirement, deps: AuthDeps): Promise<Principal> {
  if (need === "public") return { kind: "anonymous" };
  const header = req.get("authorization");
  if (!header) throw unauthorized("missing Authorization header; send `Authorization: Bearer <api key>`");
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthorized("the Authorization header must be `Bearer <api key>`");
  const key = match[1]!;

  if (secretsEqual(key, deps.adminKey)) {
    if (need === "account") {
      throw forbidden("this route acts on one account's data and needs that account's API key, not the admin key");
    }
    return { kind: "admin" };
  }
  const found = await deps.accounts.authenticate(key);
  if (!found) throw unauthorized("the API key is not valid");
  if (need === "admin") throw forbidden("this route needs the admin key");
  return { kind: "account", ...found };
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

/** The account a route acts on; routes guarded by `auth: "account"` always have one. */
export function accountOf(principal: Principal): string {
  if (principal.kind !== "account") throw forbidden("this route needs an account API key");
  return principal.accountId;
}
