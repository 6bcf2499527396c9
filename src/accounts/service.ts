import { SYSTEM_AUDIT, type AuditContext } from "../audit/actor";
import type { Clock } from "../lib/clock";
import { writeAudit } from "../audit/store";
import { notFound, unprocessable } from "../lib/errors";
import { isWellFormedId, newId } from "../lib/ids";
import { preparedStatement, type Db, type Sql } from "../lib/prisma";
import { apiKeyPrefix, hashesEqual, hashSecret } from "./api-keys";
import { createAuthCache, type Authenticated } from "./auth-cache";
import { createKeyLifecycle, insertKey, type IssuedKey } from "./key-lifecycle";
import { noKeyRevocations, type KeyRevocations } from "./key-revocations";

export type { ApiKeyDto, IssuedKey, RotatedKey } from "./key-lifecycle";
export type { Authenticated } from "./auth-cache";

export interface AccountDto {
  id: string;
  name: string;
  createdAt: string;
  /** Its own retention in days (src/retention/); null keeps the global one. */
  retentionDays: number | null;
}

const DAY_MS = 86_400_000;

const toDto = (a: { id: string; name: string; createdAt: Date; retentionDays: number | null }): AccountDto => ({
  id: a.id,
  name: a.name,
  createdAt: a.createdAt.toISOString(),
  retentionDays: a.retentionDays,
});

export interface AccountsDeps {
  db: Db;
  sql: Sql;
  clock: Clock;
  /** How long a key that authenticated is trusted without asking the database again; 0: never. */
  authCacheMs?: number;
  /** How revocations reach the other API processes' caches; none: this process only. */
  revocations?: KeyRevocations;
}

// On the pg pool directly: this runs on every authenticated request the cache does not answer.
const KEY_BY_PREFIX = preparedStatement<{
  id: string;
  accountId: string;
  name: string;
  keyHash: string;
  scopes: string[];
  revokedAt: Date | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}>(
  "api_key_by_prefix",
  `SELECT id, account_id AS "accountId", name, key_hash AS "keyHash", scopes, revoked_at AS "revokedAt",
          expires_at AS "expiresAt", last_used_at AS "lastUsedAt"
     FROM api_keys WHERE prefix = $1`,
);

export function createAccountsService({ db, sql, clock, authCacheMs = 0, revocations = noKeyRevocations }: AccountsDeps) {
  const cache = createAuthCache();
  const keys = createKeyLifecycle({ db, clock, revocations, forgetLocally: (keyId) => cache.forgetKey(keyId) });

  async function get(accountId: string): Promise<AccountDto> {
    const account = isWellFormedId(accountId, "acc") ? await db.account.findUnique({ where: { id: accountId } }) : null;
    if (!account) throw notFound("account");
    return toDto(account);
  }

  return {
    ...keys,

    /** A new tenant and its first key, in one transaction: never an account nobody can use. */
    async create(name: string, audit: AuditContext = SYSTEM_AUDIT): Promise<{ account: AccountDto; key: IssuedKey }> {
      const accountId = newId("acc");
      return db.$transaction(async (tx) => {
        const account = await tx.account.create({ data: { id: accountId, name } });
        const key = await insertKey(tx, accountId, "default", ["*"], audit);
        return { account: toDto(account), key };
      });
    },

    get,

    /**
     * How long the account's events, deliveries and attempts are kept: at most the global
     * retention, which is how long partitions live (an account can only keep less: the
     * difference is removed row by row, src/retention/trim.ts); null returns to the global one.
     */
    async setRetention(accountId: string, retentionDays: number | null, globalRetentionMs: number, audit: AuditContext = SYSTEM_AUDIT): Promise<AccountDto> {
      const before = await get(accountId);
      if (retentionDays !== null && retentionDays * DAY_MS > globalRetentionMs) {
        const field = "body.retentionDays";
        const message = `at most the global retention (${Math.floor(globalRetentionMs / DAY_MS)} days, HOOKRELAY_RETENTION)`;
        throw unprocessable("retention_too_long", `${field}: ${message}`, { issues: [{ field, message, code: "too_big" }] });
      }
      return db.$transaction(async (tx) => {
        const account = await tx.account.update({ where: { id: accountId }, data: { retentionDays } });
        if (before.retentionDays !== retentionDays) {
          await writeAudit(tx, audit, {
            accountId,
            action: "account.retention_changed",
            targetType: "account",
            targetId: accountId,
            changes: { retentionDays: { from: before.retentionDays, to: retentionDays } },
          });
        }
        return toDto(account);
      });
    },

    /** Another key for an account (404 when there is none); `*` unless scopes are given. */
    async createKey(accountId: string, name: string, opts: { scopes?: string[]; audit?: AuditContext } = {}): Promise<IssuedKey> {
      await get(accountId);
      return keys.issueKey(accountId, name, opts.scopes ?? ["*"], opts.audit ?? SYSTEM_AUDIT);
    },

    /**
     * Who a key is, or null when it is unknown, malformed, revoked, or rotated and past its grace
     * period. A key is trusted from the cache for at most the cache TTL, never past its expiry,
     * and not at all once a revocation announced it (./key-revocations.ts).
     */
    async authenticate(key: string): Promise<Authenticated | null> {
      const prefix = apiKeyPrefix(key);
      if (!prefix) return null;
      const hash = hashSecret(key);
      const cached = cache.get(hash, clock.now().getTime());
      if (cached) return cached;
      const { rows } = await KEY_BY_PREFIX(sql, [prefix]);
      const row = rows[0];
      const now = clock.now();
      if (!row || row.revokedAt || !hashesEqual(row.keyHash, hash)) return null;
      if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return null;
      // Only a coarse "last used" is kept: writing the key row on every request would make it
      // the hottest row in the database.
      if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
        await db.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: now } });
      }
      const found: Authenticated = { accountId: row.accountId, keyId: row.id, keyName: row.name, scopes: row.scopes };
      if (authCacheMs > 0) cache.set(hash, found, Math.min(now.getTime() + authCacheMs, row.expiresAt?.getTime() ?? Infinity));
      return found;
    },

    /** Subscribes this process to revocations (API processes only: workers check no keys). */
    listenForRevocations(): void {
      revocations.listen({ forget: (keyId) => cache.forgetKey(keyId), forgetAll: () => cache.clear() });
    },
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
