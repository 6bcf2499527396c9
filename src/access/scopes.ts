import { AppError } from "../lib/errors";
import { z } from "../lib/zod";

/**
 * What an account API key may do. Every account route declares the one scope it needs
 * (src/http/route.ts), the router refuses a key without it (src/http/auth.ts), and the OpenAPI
 * document shows it per operation. `*` is full access: what every key had before scopes existed,
 * and still the default, so that no existing integration breaks.
 */
export const SCOPES = ["*", "events:write", "events:read", "webhooks:read", "webhooks:write", "portal:sessions", "audit:read"] as const;

export type Scope = (typeof SCOPES)[number];

/** For validating `scopes` on key creation; unknown names are refused rather than stored and never matched. */
export const ScopeName = z.enum(SCOPES).openapi("Scope", { description: "What an API key may do; `*` is full access." });

/** What each scope lets a key do, for the OpenAPI document and the README. */
export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  "*": "Full access to the account, including managing its API keys.",
  "events:write": "Emit events (single and batch): what a product service needs, and nothing else.",
  "events:read": "List and read events.",
  "webhooks:read": "Read webhooks, their stats, notices, deliveries, attempts and replays, and the event types.",
  "webhooks:write": "Create, change, verify, rotate, pause, enable, test and delete webhooks; redeliver, replay and cancel replays; create and import event types. Implies `webhooks:read`.",
  "portal:sessions": "Open portal links for the account and end portal sessions.",
  "audit:read": "Read the audit log.",
};

/**
 * Scopes that grant others too. As with Stripe's restricted keys, a key that may change webhooks
 * may read them: managing what you cannot see makes no sense (a PATCH answers the webhook anyway).
 * `events:write` does NOT imply `events:read`: an emitter that leaks should not expose the
 * account's event history, and emitting needs no read.
 */
const IMPLIES: Partial<Record<Scope, readonly Scope[]>> = {
  "webhooks:write": ["webhooks:read"],
};

/** Whether a key granted `granted` may use a route that needs `needed`. Unknown names grant nothing. */
export function allows(granted: readonly string[], needed: Scope): boolean {
  return granted.some((g) => g === "*" || g === needed || (IMPLIES[g as Scope]?.includes(needed) ?? false));
}

/** The refusal for a key without the scope; `details.requiredScope` names it for clients. */
export function insufficientScope(needed: Scope): AppError {
  return new AppError(403, "insufficient_scope", `this API key lacks the scope ${needed}`, { requiredScope: needed });
}
