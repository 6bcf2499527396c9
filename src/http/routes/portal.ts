import type { AccountsService } from "../../accounts/service";
import { z } from "../../lib/zod";
import { CreatedPortalSession, CreatePortalSessionBody, ExchangedLink, ExchangeLinkBody, PortalSession } from "../../portal/schemas";
import type { PortalSessions } from "../../portal/sessions";
import { auditContextOf } from "../../audit/actor";
import { accountOf, existingActingAccount, sessionOf } from "../auth";
import { defineRoute, type AnyRoute } from "../route";

const SessionIdParams = z.object({ id: z.string().max(64).openapi({ example: "ps_01JD2Z8Q3M4N5P6R7S8T9V0W1X" }) });

export function portalRoutes(deps: { sessions: PortalSessions; accounts: AccountsService; publicUrl: string | undefined }): AnyRoute[] {
  const tag = "Portal";
  return [
    defineRoute({
      method: "post",
      path: "/v1/portal/sessions",
      tag,
      summary: "Start a portal session: a single-use magic link",
      description:
        "For the product's backend: a link to hand to one of its users, who manages the account's webhooks in the portal without ever holding an API key. The link works once, before `linkExpiresAt`; opening it signs the user in for `ttlSeconds`. Embed it in an iframe on an origin listed in HOOKRELAY_PORTAL_FRAME_ANCESTORS, or open it in a tab.",
      auth: "account-or-admin",
      scope: "portal:sessions",
      body: CreatePortalSessionBody,
      success: { status: 201, description: "The link and until when it can be opened.", schema: CreatedPortalSession },
      errors: [404],
      handle: async ({ principal, body, req, res }) => {
        const accountId = await existingActingAccount(principal, body.accountId, deps.accounts);
        const origin = deps.publicUrl ?? `${req.protocol}://${req.get("host")}`;
        const keyId = principal.kind === "account" ? principal.keyId : null;
        return { status: 201, body: await deps.sessions.create(accountId, body, keyId, origin, auditContextOf({ principal, res })) };
      },
    }),
    defineRoute({
      method: "delete",
      path: "/v1/portal/sessions/:id",
      tag,
      summary: "End a portal session",
      description: "For the product's backend: signs the user out everywhere at once (a user removed from the product, say).",
      auth: "account",
      scope: "portal:sessions",
      params: SessionIdParams,
      success: { status: 204, description: "Ended (or had ended already)." },
      errors: [404],
      handle: async ({ principal, params, res }) => {
        await deps.sessions.endForAccount(accountOf(principal), params.id, auditContextOf({ principal, res }));
        return { status: 204 };
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/portal/session/exchange",
      tag,
      summary: "Open a magic link: its token for a session token",
      description:
        "Called by the portal page the link opens, with the token from the link's fragment. Works once per link. 401 `portal_link_used`, `portal_link_expired` or `portal_link_invalid` says why not.",
      auth: "public",
      body: ExchangeLinkBody,
      success: { status: 200, description: "Signed in.", schema: ExchangedLink },
      errors: [401],
      handle: async ({ body }) => ({ status: 200, body: await deps.sessions.exchange(body.token) }),
    }),
    defineRoute({
      method: "get",
      path: "/v1/portal/session",
      tag,
      summary: "The portal session this token belongs to",
      auth: "portal",
      portal: "read",
      success: { status: 200, description: "Who is signed in, for which account, with what access and branding.", schema: PortalSession },
      errors: [],
      handle: async ({ principal }) => ({ status: 200, body: await deps.sessions.get(sessionOf(principal)) }),
    }),
    defineRoute({
      method: "delete",
      path: "/v1/portal/session",
      tag,
      summary: "Sign out",
      description: "Ends the session on the server: its token is refused from now on, by every API process.",
      auth: "portal",
      portal: "read",
      success: { status: 204, description: "Signed out." },
      errors: [],
      handle: async ({ principal, res }) => {
        await deps.sessions.end(accountOf(principal), sessionOf(principal), auditContextOf({ principal, res }));
        return { status: 204 };
      },
    }),
  ];
}
