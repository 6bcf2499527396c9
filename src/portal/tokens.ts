import { randomBytes } from "node:crypto";
import { hashSecret } from "../accounts/api-keys";

/**
 * Two bearer secrets, told apart by their prefix: the single-use link token (`hrpl_`, in the
 * magic link's fragment) and the session token it is exchanged for (`hrps_`, sent in the
 * Authorization header). 256 random bits each; only their SHA-256 is stored.
 */
export const LINK_TOKEN_PREFIX = "hrpl_";
export const SESSION_TOKEN_PREFIX = "hrps_";
const SHAPE = /^hrp[ls]_[A-Za-z0-9_-]{43}$/;

export function newPortalToken(prefix: typeof LINK_TOKEN_PREFIX | typeof SESSION_TOKEN_PREFIX): { token: string; hash: string } {
  const token = `${prefix}${randomBytes(32).toString("base64url")}`;
  return { token, hash: hashSecret(token) };
}

/** The digest to look a token up by, or null when it cannot be one of ours (no query for junk). */
export function portalTokenHash(token: string, prefix: typeof LINK_TOKEN_PREFIX | typeof SESSION_TOKEN_PREFIX): string | null {
  return token.startsWith(prefix) && SHAPE.test(token) ? hashSecret(token) : null;
}

export const isSessionToken = (bearer: string) => bearer.startsWith(SESSION_TOKEN_PREFIX);
