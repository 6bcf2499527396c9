import type { AuditContext } from "../audit/actor";
import { writeAudit } from "../audit/store";
import type { Clock } from "../lib/clock";
import { AppError, notFound } from "../lib/errors";
import { isWellFormedId, newId } from "../lib/ids";
import type { Db } from "../lib/prisma";
import type { PortalSession as SessionRow } from "../generated/prisma/client";
import type { CreatePortalSessionInput, PortalAccess, PortalSessionDto } from "./schemas";
import { LINK_TOKEN_PREFIX, newPortalToken, portalTokenHash, SESSION_TOKEN_PREFIX } from "./tokens";

export interface PortalSessionsDeps {
  db: Db;
  clock: Clock;
  defaultSessionTtlMs: number;
  linkTtlMs: number;
}

/** Who a portal session token speaks for; the router makes it a Principal. */
export interface PortalIdentity {
  sessionId: string;
  accountId: string;
  access: PortalAccess;
}

const refused = (code: string, message: string) => new AppError(401, code, message);
const linkUsed = () => refused("portal_link_used", "this sign-in link has already been used; each link works once, so open the portal again from where you found it");

/**
 * Magic-link sessions for the customer portal. The account's backend asks for a link; the
 * person who opens it gets a session token, once. A link works once and only before its
 * expiry; a session until its expiry or sign-out, checked against Postgres on every request
 * (no cache), so a sign-out ends it everywhere at once.
 */
export function createPortalSessions(deps: PortalSessionsDeps) {
  const { db, clock } = deps;

  const toDto = (row: SessionRow & { account: { name: string } }): PortalSessionDto => ({
    id: row.id,
    accountId: row.accountId,
    accountName: row.account.name,
    access: row.access as PortalAccess,
    locale: (row.locale as PortalSessionDto["locale"]) ?? null,
    branding: { productName: row.productName, accentColor: row.accentColor },
    expiresAt: (row.expiresAt ?? new Date(row.linkExpiresAt.getTime() + row.ttlSeconds * 1_000)).toISOString(),
  });

  return {
    async create(accountId: string, input: CreatePortalSessionInput, createdByKey: string | null, origin: string, audit: AuditContext) {
      const now = clock.now();
      const link = newPortalToken(LINK_TOKEN_PREFIX);
      const ttlSeconds = input.ttlSeconds ?? Math.round(deps.defaultSessionTtlMs / 1_000);
      const row = await db.$transaction(async (tx) => {
        const created = await tx.portalSession.create({
        data: {
          id: newId("ps", now.getTime()),
          accountId,
          access: input.access,
          locale: input.locale ?? null,
          productName: input.branding?.productName ?? null,
          accentColor: input.branding?.accentColor?.toLowerCase() ?? null,
          linkTokenHash: link.hash,
          linkExpiresAt: new Date(now.getTime() + deps.linkTtlMs),
          ttlSeconds,
          createdByKey,
        },
        });
        await writeAudit(tx, audit, {
          accountId,
          action: "portal_session.created",
          targetType: "portal_session",
          targetId: created.id,
          changes: { access: { from: null, to: created.access }, ttlSeconds: { from: null, to: ttlSeconds } },
        });
        return created;
      });
      return {
        id: row.id,
        // The fragment never leaves the browser: no server, proxy or Referer sees the token.
        url: `${origin}/portal/signin#token=${link.token}`,
        linkExpiresAt: row.linkExpiresAt.toISOString(),
        sessionTtlSeconds: ttlSeconds,
        access: input.access,
      };
    },

    /** The link's single use: marks it used and issues the session token, atomically. */
    async exchange(linkToken: string) {
      const hash = portalTokenHash(linkToken, LINK_TOKEN_PREFIX);
      const row = hash ? await db.portalSession.findUnique({ where: { linkTokenHash: hash } }) : null;
      if (!row) throw refused("portal_link_invalid", "this sign-in link is not valid; ask for a new one where you opened it");
      if (row.linkUsedAt || row.endedAt) throw linkUsed();
      const now = clock.now();
      if (row.linkExpiresAt <= now) throw refused("portal_link_expired", "this sign-in link has expired; open the portal again from where you found it");
      const session = newPortalToken(SESSION_TOKEN_PREFIX);
      const expiresAt = new Date(now.getTime() + row.ttlSeconds * 1_000);
      // Conditional on "still unused": of two tabs opening the same link, one wins.
      const won = await db.portalSession.updateMany({
        where: { id: row.id, linkUsedAt: null, endedAt: null },
        data: { linkUsedAt: now, tokenHash: session.hash, expiresAt },
      });
      if (won.count === 0) throw linkUsed();
      const fresh = await db.portalSession.findUniqueOrThrow({ where: { id: row.id }, include: { account: { select: { name: true } } } });
      return { sessionToken: session.token, session: toDto(fresh) };
    },

    /** The session a token belongs to, or a 401 saying why not. */
    async authenticate(sessionToken: string): Promise<PortalIdentity> {
      const hash = portalTokenHash(sessionToken, SESSION_TOKEN_PREFIX);
      const row = hash
        ? await db.portalSession.findUnique({ where: { tokenHash: hash }, select: { id: true, accountId: true, access: true, expiresAt: true, endedAt: true } })
        : null;
      if (!row) throw refused("unauthorized", "this portal session is not valid");
      if (row.endedAt) throw refused("portal_session_ended", "this portal session has ended (signed out)");
      if (!row.expiresAt || row.expiresAt <= clock.now()) throw refused("portal_session_expired", "this portal session has expired; open the portal again");
      return { sessionId: row.id, accountId: row.accountId, access: row.access as PortalAccess };
    },

    async get(sessionId: string): Promise<PortalSessionDto> {
      const row = await db.portalSession.findUnique({ where: { id: sessionId }, include: { account: { select: { name: true } } } });
      if (!row) throw notFound("portal session");
      return toDto(row);
    },

    /**
     * Sign-out: the token stops working on every API process at once (nothing caches it).
     * Recorded once: ending a session that had ended already changes nothing.
     */
    async end(accountId: string, sessionId: string, audit: AuditContext): Promise<void> {
      await db.$transaction(async (tx) => {
        const ended = await tx.portalSession.updateMany({ where: { id: sessionId, accountId, endedAt: null }, data: { endedAt: clock.now() } });
        if (ended.count === 0) return;
        await writeAudit(tx, audit, { accountId, action: "portal_session.ended", targetType: "portal_session", targetId: sessionId });
      });
    },

    /** For the account's own backend: end a session it started (a user removed, say). */
    async endForAccount(accountId: string, sessionId: string, audit: AuditContext): Promise<void> {
      const found = isWellFormedId(sessionId, "ps") ? await db.portalSession.findFirst({ where: { id: sessionId, accountId }, select: { id: true } }) : null;
      if (!found) throw notFound("portal session");
      await this.end(accountId, found.id, audit);
    },
  };
}

export type PortalSessions = ReturnType<typeof createPortalSessions>;
