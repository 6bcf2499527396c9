import type { Clock } from "../lib/clock";
import { BoundedMap } from "../lib/bounded-map";
import { notFound } from "../lib/errors";
import { isWellFormedId, newId } from "../lib/ids";
import { preparedStatement, type Db, type Sql } from "../lib/prisma";
import { apiKeyPrefix, generateApiKey, hashesEqual, hashSecret } from "./api-keys";

export interface AccountDto {
  id: string;
  name: string;
  createdAt: string;
}

export interface IssuedKey {
  id: string;
  /** Shown once, at creation; only its hash is kept. */
  apiKey: string;
  prefix: string;
  name: string;
  createdAt: string;
}

export interface AccountsDeps {
  db: Db;
  sql: Sql;
  clock: Clock;
  /** How long a key that authenticated is trusted without asking the database again; 0: never. */
  authCacheMs?: number;
}

type Authenticated = { accountId: string; keyId: string };

/** Keys remembered at most; beyond that the oldest goes first. */
const AUTH_CACHE_MAX = 10_000;

// On the pg pool directly: this runs on every authenticated request the cache does not answer.
const KEY_BY_PREFIX = preparedStatement<{ id: string; accountId: string; keyHash: string; revokedAt: Date | null; lastUsedAt: Date | null }>(
  "api_key_by_prefix",
  `SELECT id, account_id AS "accountId", key_hash AS "keyHash", revoked_at AS "revokedAt", last_used_at AS "lastUsedAt"
     FROM api_keys WHERE prefix = $1`,
);

export function createAccountsService({ db, sql, clock, authCacheMs = 0 }: AccountsDeps) {
  // Keyed by the key's hash, so no plaintext key is held. Only successes are kept: a flood of
  // wrong keys must not fill it, and a key that failed is asked about again next time.
  const recent = new BoundedMap<string, { found: Authenticated; until: number }>(AUTH_CACHE_MAX);
  async function issueKey(accountId: string, name: string): Promise<IssuedKey> {
    const generated = generateApiKey();
    const row = await db.apiKey.create({
      data: { id: newId("key"), accountId, name, prefix: generated.prefix, keyHash: generated.hash },
    });
    return { id: row.id, apiKey: generated.key, prefix: row.prefix, name: row.name, createdAt: row.createdAt.toISOString() };
  }

  return {
    /** A new tenant and its first key, in one transaction: never an account nobody can use. */
    async create(name: string): Promise<{ account: AccountDto; key: IssuedKey }> {
      const generated = generateApiKey();
      const accountId = newId("acc");
      const keyId = newId("key");
      const [account, key] = await db.$transaction([
        db.account.create({ data: { id: accountId, name } }),
        db.apiKey.create({
          data: { id: keyId, accountId, name: "default", prefix: generated.prefix, keyHash: generated.hash },
        }),
      ]);
      return {
        account: { id: account.id, name: account.name, createdAt: account.createdAt.toISOString() },
        key: { id: key.id, apiKey: generated.key, prefix: key.prefix, name: key.name, createdAt: key.createdAt.toISOString() },
      };
    },

    async get(accountId: string): Promise<AccountDto> {
      const account = isWellFormedId(accountId, "acc") ? await db.account.findUnique({ where: { id: accountId } }) : null;
      if (!account) throw notFound("account");
      return { id: account.id, name: account.name, createdAt: account.createdAt.toISOString() };
    },

    async createKey(accountId: string, name: string): Promise<IssuedKey> {
      await this.get(accountId);
      return issueKey(accountId, name);
    },

    /** The account a key belongs to, or null when the key is unknown, malformed or revoked. */
    async authenticate(key: string): Promise<Authenticated | null> {
      const prefix = apiKeyPrefix(key);
      if (!prefix) return null;
      const hash = hashSecret(key);
      const hit = recent.get(hash);
      if (hit && hit.until > clock.now().getTime()) return hit.found;
      if (hit) recent.delete(hash);
      const { rows } = await KEY_BY_PREFIX(sql, [prefix]);
      const row = rows[0];
      if (!row || row.revokedAt || !hashesEqual(row.keyHash, hash)) return null;
      // Only a coarse "last used" is kept: writing the key row on every request would make it
      // the hottest row in the database.
      const now = clock.now();
      if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
        await db.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: now } });
      }
      const found = { accountId: row.accountId, keyId: row.id };
      if (authCacheMs > 0) recent.set(hash, { found, until: now.getTime() + authCacheMs });
      return found;
    },
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
