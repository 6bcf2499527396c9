import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { BoundedMap } from "./bounded-map";

export interface KeyringEntry {
  id: string;
  key: Buffer;
}

/**
 * Authenticated encryption (AES-256-GCM) for secrets at rest. The first key of the ring
 * encrypts; any key of the ring decrypts, found by the id stored in the ciphertext, so keys
 * can be rotated by prepending a new one and re-encrypting at leisure.
 *
 * Format: `v1.<keyId>.<iv>.<tag>.<ciphertext>`, base64url parts.
 */
export interface SecretBox {
  seal(plaintext: string): string;
  open(sealed: string): string;
}

const TAG_BYTES = 16;

export class SecretBoxError extends Error {
  override name = "SecretBoxError";
}

/** The parts of a sealed secret, or null if it is not one. */
function parseSealed(sealed: string): { keyId: string; iv: string; tag: string; ct: string } | null {
  const parts = sealed.split(".");
  const [version, keyId, iv, tag, ct] = parts;
  if (parts.length !== 5 || version !== "v1" || !keyId || iv === undefined || tag === undefined || ct === undefined) return null;
  return { keyId, iv, tag, ct };
}

/** The id of the key a sealed secret was sealed with (it is in the clear), or null if it is not one. */
export function sealedKeyId(sealed: string): string | null {
  return parseSealed(sealed)?.keyId ?? null;
}

export function createSecretBox(keyring: KeyringEntry[]): SecretBox {
  const active = keyring[0];
  if (!active) throw new SecretBoxError("the keyring is empty");
  const byId = new Map(keyring.map((k) => [k.id, k.key]));

  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", active.key, iv);
      const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      const parts = [iv, cipher.getAuthTag(), ct].map((b) => b.toString("base64url"));
      return ["v1", active.id, ...parts].join(".");
    },
    open(sealed) {
      const parsed = parseSealed(sealed);
      if (!parsed) throw new SecretBoxError("not a sealed secret");
      const { keyId, iv, tag, ct } = parsed;
      const key = byId.get(keyId);
      if (!key) throw new SecretBoxError(`no key "${keyId}" in the keyring`);
      // The tag length is pinned: GCM would otherwise accept a tag cut to 4 bytes, which can be forged.
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"), { authTagLength: TAG_BYTES });
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
    },
  };
}

/**
 * A box that remembers what it opened, for the delivery worker: it opens the same few webhook
 * secrets for every attempt, and AES-GCM per attempt showed in its profile. Bounded, oldest
 * entry out first; the plaintexts are no more exposed than while an attempt signs with them.
 */
export function withOpenCache(box: SecretBox, maxEntries: number): SecretBox {
  const opened = new BoundedMap<string, string>(maxEntries);
  return {
    seal: (plaintext) => box.seal(plaintext),
    open(sealed) {
      const hit = opened.get(sealed);
      if (hit !== undefined) return hit;
      const plaintext = box.open(sealed);
      opened.set(sealed, plaintext);
      return plaintext;
    },
  };
}
