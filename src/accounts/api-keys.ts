import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * API keys look like `hr_<12-char lookup prefix>_<43-char secret>`. The prefix finds the row;
 * only a SHA-256 of the whole key is stored (the key has 256 bits of entropy, so a fast hash
 * is enough), and hashes are compared in constant time.
 */
const KEY_SHAPE = /^(hr_[A-Za-z0-9]{12})_[A-Za-z0-9_-]{43}$/;

export interface NewApiKey {
  key: string;
  prefix: string;
  hash: string;
}

export function generateApiKey(): NewApiKey {
  const lookup = randomBytes(12)
    .toString("base64")
    .replace(/[^A-Za-z0-9]/g, "")
    .padEnd(12, "0")
    .slice(0, 12);
  const prefix = `hr_${lookup}`;
  const key = `${prefix}_${randomBytes(32).toString("base64url")}`;
  return { key, prefix, hash: hashSecret(key) };
}

/** The lookup prefix of a well-formed key, or null for anything else. */
export function apiKeyPrefix(key: string): string | null {
  return KEY_SHAPE.exec(key)?.[1] ?? null;
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Constant-time equality of two secrets of any length (compares their digests). */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());
}

const SHA256_HEX = /^[0-9a-f]{64}$/i;

/** Constant-time equality of two SHA-256 hex digests; anything else is never equal. */
export function hashesEqual(hexA: string, hexB: string): boolean {
  // Buffer.from(…, "hex") silently stops at the first bad character, so check the shape first.
  if (!SHA256_HEX.test(hexA) || !SHA256_HEX.test(hexB)) return false;
  return timingSafeEqual(Buffer.from(hexA, "hex"), Buffer.from(hexB, "hex"));
}
