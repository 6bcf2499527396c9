import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { VerificationFailure, VerificationFailureReason } from "./types";

/** The building blocks every dialect's check is made of. */

export function fail(reason: VerificationFailureReason, message: string): VerificationFailure {
  return { ok: false, reason, message };
}

/** HMAC of the parts in order; strings as UTF-8, buffers as they are (the body's exact bytes). */
export function hmac(algorithm: "sha256" | "sha512", key: string | Buffer, ...parts: (string | Buffer)[]): Buffer {
  const mac = createHmac(algorithm, key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** Constant time for equal lengths; a length mismatch says nothing about the secret. */
export function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * For tokens compared as they are (Telegram's secret token, a verify token): hashing both sides
 * first makes the lengths equal, so not even the token's length leaks through timing.
 */
export function tokensEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  return timingSafeEqual(digest(a), digest(b));
}

const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict decoders: Buffer.from would quietly skip what is not hex or base64. Null when not. */
export function fromHex(text: string): Buffer | null {
  return HEX.test(text) ? Buffer.from(text, "hex") : null;
}

export function fromBase64(text: string): Buffer | null {
  return text.length > 0 && BASE64.test(text) ? Buffer.from(text, "base64") : null;
}

/** Unix seconds as a dialect's timestamp header carries them, or null. */
export function parseSeconds(text: string): number | null {
  return /^\d{1,12}$/.test(text.trim()) ? Number(text.trim()) : null;
}

/** Null when `timestamp` is within `toleranceSeconds` of now, either way (clocks drift both ways). */
export function staleness(timestamp: number, nowSeconds: number, toleranceSeconds: number): VerificationFailure | null {
  const off = nowSeconds - timestamp;
  if (Math.abs(off) <= toleranceSeconds) return null;
  const how = off > 0 ? `${off} s old` : `${-off} s in the future`;
  return fail("stale_timestamp", `the signed timestamp is ${how}, beyond the ${toleranceSeconds} s tolerance`);
}

/** Whether any received signature equals any expected one (one expected per secret). */
export function anyMatches(expected: readonly Buffer[], received: readonly Buffer[]): boolean {
  let matched = false;
  // Every pair is compared, so the time taken does not say which secret matched.
  for (const e of expected) for (const r of received) matched = safeEqual(e, r) || matched;
  return matched;
}

export const badSignature = (what: string) =>
  fail("bad_signature", `${what} does not match the body with any of the secrets given (tampered body, or a wrong or rotated-away secret)`);
