import { randomBytes } from "node:crypto";
import { VERIFY_TOKEN_MAX_LENGTH, VERIFY_TOKEN_PATTERN } from "../webhooks/verify-token";

/** A printable secret usable as an HMAC key and in a query string: 43 base64url characters (256 bits). */
export function randomPrintableSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** What the verify-token rules demand of customer-supplied secrets in most dialects. */
export function printableSecretProblem(secret: string, minLength: number): string | null {
  if (secret.length < minLength) return `must be at least ${minLength} characters`;
  if (secret.length > VERIFY_TOKEN_MAX_LENGTH) return `must be at most ${VERIFY_TOKEN_MAX_LENGTH} characters`;
  if (!VERIFY_TOKEN_PATTERN.test(secret)) return "must be printable ASCII without spaces";
  return null;
}

export interface RotatingSecrets {
  current: string;
  previous: string | null;
  previousExpiresAt: Date | null;
}

/**
 * Which secrets sign a request during a rotation. After the grace period only the new one.
 * Within it: both, where the dialect carries several signatures; otherwise the old one keeps
 * signing until the grace period ends, so receivers that still hold it keep working.
 */
export function signingSecrets(s: RotatingSecrets, now: Date, multiSignature: boolean): string[] {
  const inGrace = s.previous !== null && s.previousExpiresAt !== null && s.previousExpiresAt > now;
  if (!inGrace) return [s.current];
  return multiSignature ? [s.current, s.previous!] : [s.previous!];
}
