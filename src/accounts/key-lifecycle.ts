import type { AuditContext } from "../audit/actor";
import { writeAudit } from "../audit/store";
import type { ApiKey, Prisma } from "../generated/prisma/client";
import type { Clock } from "../lib/clock";
import { conflict, notFound } from "../lib/errors";
import { isWellFormedId, newId } from "../lib/ids";
import type { Db } from "../lib/prisma";
import { generateApiKey } from "./api-keys";
import type { KeyRevocations } from "./key-revocations";

/** A key as listed: never the key, never its hash. */
export interface ApiKeyDto {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  /** Set on a rotated key: it works until then. */
  expiresAt: string | null;
  revokedAt: string | null;
  /** The key that replaced this one in a rotation. */
  replacedBy: string | null;
}

export interface IssuedKey {
  id: string;
  /** Shown once, at creation; only its hash is kept. */
  apiKey: string;
  prefix: string;
  name: string;
  scopes: string[];
  createdAt: string;
}

export interface RotatedKey {
  /** The replacement, shown once. */
  apiKey: IssuedKey;
  /** The old key, now with its expiry. */
  previous: ApiKeyDto;
}

export interface KeyLifecycleDeps {
  db: Db;
  clock: Clock;
  revocations: KeyRevocations;
  /** Drops a key from this process's own auth cache, before any announcement goes round. */
  forgetLocally(keyId: string): void;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function apiKeyDto(row: ApiKey): ApiKeyDto {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: iso(row.lastUsedAt),
    expiresAt: iso(row.expiresAt),
    revokedAt: iso(row.revokedAt),
    replacedBy: row.replacedBy,
  };
}

export function issuedKeyDto(row: ApiKey, key: string): IssuedKey {
  return { id: row.id, apiKey: key, prefix: row.prefix, name: row.name, scopes: row.scopes, createdAt: row.createdAt.toISOString() };
}

/**
 * A new key row and its api_key.created entry, in the caller's transaction: the one way a key is
 * issued, for an account's first key (./service.ts create) and every one after it.
 */
export async function insertKey(tx: Prisma.TransactionClient, accountId: string, name: string, scopes: readonly string[], audit: AuditContext): Promise<IssuedKey> {
  const generated = generateApiKey();
  const row = await tx.apiKey.create({
    data: { id: newId("key"), accountId, name, prefix: generated.prefix, keyHash: generated.hash, scopes: normalScopes(scopes) },
  });
  await writeAudit(tx, audit, { accountId, action: "api_key.created", targetType: "api_key", targetId: row.id, changes: { name: row.name, prefix: row.prefix, scopes: row.scopes } });
  return issuedKeyDto(row, generated.key);
}

/** Duplicates say nothing more; `*` with others is just `*`. Kept in a stable order for lists and diffs. */
function normalScopes(scopes: readonly string[]): string[] {
  const unique = [...new Set(scopes)];
  return unique.includes("*") ? ["*"] : unique.sort();
}

/**
 * Listing, issuing, revoking and rotating an account's keys. Every change is audited in its own
 * transaction; a key that stops working (revoked, or rotated: its expiry changed) is dropped from
 * this process's cache and announced to the others after the commit.
 */
export function createKeyLifecycle({ db, clock, revocations, forgetLocally }: KeyLifecycleDeps) {
  /** The account's key, or 404: another account's key is as unknown as a missing one. */
  async function findKey(tx: Pick<Db, "apiKey">, accountId: string, keyId: string): Promise<ApiKey> {
    const row = isWellFormedId(keyId, "key") ? await tx.apiKey.findFirst({ where: { id: keyId, accountId } }) : null;
    if (!row) throw notFound("api key");
    return row;
  }

  async function stopTrusting(keyId: string): Promise<void> {
    forgetLocally(keyId);
    await revocations.publish([keyId]);
  }

  return {
    async listKeys(accountId: string): Promise<ApiKeyDto[]> {
      const rows = await db.apiKey.findMany({ where: { accountId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
      return rows.map(apiKeyDto);
    },

    /** A new key for an account known to exist. */
    async issueKey(accountId: string, name: string, scopes: readonly string[], audit: AuditContext): Promise<IssuedKey> {
      return db.$transaction((tx) => insertKey(tx, accountId, name, scopes, audit));
    },

    /**
     * Stops a key at once, the calling key included (the answer still goes out). Revoking a revoked
     * key changes nothing and records nothing.
     */
    async revokeKey(accountId: string, keyId: string, audit: AuditContext): Promise<ApiKeyDto> {
      const now = clock.now();
      const { row, changed } = await db.$transaction(async (tx) => {
        const before = await findKey(tx, accountId, keyId);
        if (before.revokedAt) return { row: before, changed: false };
        const { count } = await tx.apiKey.updateMany({ where: { id: keyId, accountId, revokedAt: null }, data: { revokedAt: now } });
        // A concurrent revocation won: it recorded the change.
        if (count === 0) return { row: await findKey(tx, accountId, keyId), changed: false };
        await writeAudit(tx, audit, {
          accountId,
          action: "api_key.revoked",
          targetType: "api_key",
          targetId: keyId,
          changes: { revokedAt: { from: null, to: now.toISOString() } },
        });
        return { row: { ...before, revokedAt: now }, changed: true };
      });
      if (changed) await stopTrusting(keyId);
      return apiKeyDto(row);
    },

    /**
     * A new key with the old one's name and scopes; the old one keeps working for `graceMs` (0: it
     * stops now). A revoked key cannot be rotated (409 key_revoked), nor one already rotated
     * (409 key_already_rotated: rotate its replacement).
     */
    async rotateKey(accountId: string, keyId: string, graceMs: number, audit: AuditContext): Promise<RotatedKey> {
      const now = clock.now();
      const expiresAt = new Date(now.getTime() + graceMs);
      const generated = generateApiKey();
      const result = await db.$transaction(async (tx) => {
        const before = await findKey(tx, accountId, keyId);
        const refusal = rotationRefusal(before);
        if (refusal) throw refusal;
        const created = await tx.apiKey.create({
          data: { id: newId("key"), accountId, name: before.name, prefix: generated.prefix, keyHash: generated.hash, scopes: before.scopes },
        });
        const { count } = await tx.apiKey.updateMany({
          where: { id: keyId, accountId, revokedAt: null, replacedBy: null },
          data: { expiresAt, replacedBy: created.id },
        });
        // Revoked or rotated by a concurrent request since we read it: say which, and roll back the new key.
        if (count === 0) throw rotationRefusal(await findKey(tx, accountId, keyId)) ?? conflict("key_changed", "the API key changed while rotating it; try again");
        await writeAudit(tx, audit, {
          accountId,
          action: "api_key.rotated",
          targetType: "api_key",
          targetId: keyId,
          changes: {
            expiresAt: { from: iso(before.expiresAt), to: expiresAt.toISOString() },
            replacedBy: { from: null, to: created.id },
          },
        });
        return { apiKey: issuedKeyDto(created, generated.key), previous: apiKeyDto({ ...before, expiresAt, replacedBy: created.id }) };
      });
      // Always announced, not only for a grace of 0: a process that cached the old key before the
      // rotation would otherwise trust it for its whole TTL, past the new expiry.
      await stopTrusting(keyId);
      return result;
    },
  };
}

function rotationRefusal(row: ApiKey) {
  if (row.revokedAt) return conflict("key_revoked", "this API key is revoked and cannot be rotated; create a new key instead");
  if (row.replacedBy) return conflict("key_already_rotated", `this API key was already rotated; rotate its replacement ${row.replacedBy} instead`, { replacedBy: row.replacedBy });
  return null;
}
