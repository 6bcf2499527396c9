import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { Client } from "pg";
import { projectRoot } from "../lib/project-root";

/**
 * Applies prisma/migrations/<timestamp>_<name>/migration.sql in order, keeping Prisma's own
 * `_prisma_migrations` bookkeeping byte for byte (same table, same checksums), so that
 * `prisma migrate deploy` and `prisma migrate status` agree with it wherever Prisma's native
 * engines are available. We need our own runner because here they are not, and Prisma's Wasm
 * engine cannot migrate through the pg adapter (prisma/orm#27403).
 *
 * Differences from Prisma, both on the safe side: each migration runs in a transaction (a
 * failure leaves nothing half-applied, and is recorded as rolled back so it can simply be
 * retried), and migrations therefore must not use statements that refuse to run in one
 * (CREATE INDEX CONCURRENTLY).
 */
export const DEFAULT_MIGRATIONS_DIR = path.join(projectRoot(), "prisma", "migrations");

/** The advisory lock id Prisma takes while migrating, so ours and theirs exclude each other. */
const PRISMA_MIGRATE_LOCK = 72707369;

const BOOKKEEPING_DDL = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
  /** Applied migrations whose file has changed since: reported, as Prisma does, not fatal. */
  modified: string[];
}

export class MigrationError extends Error {
  override name = "MigrationError";
}

/** Prisma's checksum: SHA-256 of the script, lowercase hex. */
export function migrationChecksum(sql: string): string {
  return createHash("sha256").update(sql, "utf8").digest("hex");
}

export function readMigrations(dir: string = DEFAULT_MIGRATIONS_DIR): MigrationFile[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: migrationChecksum(sql) };
    });
}

export async function migrate(databaseUrl: string, dir: string = DEFAULT_MIGRATIONS_DIR): Promise<MigrateResult> {
  const migrations = readMigrations(dir);
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [PRISMA_MIGRATE_LOCK]);
    await client.query(BOOKKEEPING_DDL);
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null }>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"`,
    );
    const failed = rows.filter((r) => r.finished_at === null && r.rolled_back_at === null);
    if (failed.length > 0) {
      throw new MigrationError(
        `migration ${failed.map((r) => r.migration_name).join(", ")} started but never finished; inspect the database, then mark it with \`prisma migrate resolve\``,
      );
    }
    const done = new Map(rows.filter((r) => r.finished_at !== null).map((r) => [r.migration_name, r.checksum]));
    const result: MigrateResult = { applied: [], alreadyApplied: [], modified: [] };
    for (const m of migrations) {
      const checksum = done.get(m.name);
      if (checksum !== undefined) {
        result.alreadyApplied.push(m.name);
        if (checksum !== m.checksum) result.modified.push(m.name);
        continue;
      }
      await applyOne(client, m);
      result.applied.push(m.name);
    }
    return result;
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_MIGRATE_LOCK]).catch(() => undefined);
    await client.end();
  }
}

async function applyOne(client: Client, m: MigrationFile): Promise<void> {
  const id = randomUUID();
  await client.query(
    `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)`,
    [id, m.checksum, m.name],
  );
  try {
    await client.query("BEGIN");
    await client.query(m.sql);
    await client.query(`UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`, [id]);
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    const message = err instanceof Error ? err.message : String(err);
    await client.query(`UPDATE "_prisma_migrations" SET logs = $2, rolled_back_at = now() WHERE id = $1`, [id, message]);
    throw new MigrationError(`migration ${m.name} failed and was rolled back: ${message}`);
  }
}
