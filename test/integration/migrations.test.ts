import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Client } from "pg";
import { DEFAULT_MIGRATIONS_DIR, migrate, migrationChecksum, readMigrations } from "../../src/db/migrator";
import { projectRoot } from "../../src/lib/project-root";
import { createEmptyDatabase, type TestDatabase } from "../support/database";

const run = promisify(execFile);
const ROOT = projectRoot();

async function sql<T extends object = Record<string, unknown>>(url: string, text: string): Promise<T[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

/** pg_dump of the schema, minus what differs between any two databases (names, session keys). */
async function schemaDump(url: string): Promise<string> {
  const pgDump = process.env.HOOKRELAY_PG_BIN ? path.join(process.env.HOOKRELAY_PG_BIN, "pg_dump") : "pg_dump";
  const { stdout } = await run(pgDump, ["--schema-only", "--no-owner", "--no-privileges", "--exclude-table=_prisma_migrations", "-d", url], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout
    .split("\n")
    .filter((line) => !line.startsWith("--") && !line.startsWith("\\restrict") && !line.startsWith("\\unrestrict"))
    .join("\n")
    .replace(/\n{2,}/g, "\n");
}

/** What `prisma migrate diff` says the whole schema should be, from nothing. */
async function prismaDiffFromEmpty(anyDatabaseUrl: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [path.join(ROOT, "node_modules/prisma/build/index.js"), "migrate", "diff", "--from-empty", "--to-schema-datamodel", "prisma/schema.prisma", "--script"],
    { cwd: ROOT, env: { ...process.env, DATABASE_URL: anyDatabaseUrl, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" } },
  );
  return stdout;
}

describe("migrations", () => {
  const dbs: TestDatabase[] = [];
  const fresh = async () => {
    const db = await createEmptyDatabase();
    dbs.push(db);
    return db;
  };
  afterAll(async () => {
    await Promise.all(dbs.map((d) => d.drop()));
  });

  it("build the same schema as prisma/schema.prisma describes (no drift, nothing hand-edited)", async () => {
    const fromMigrations = await fresh();
    const fromSchema = await fresh();
    await migrate(fromMigrations.url);
    const script = await prismaDiffFromEmpty(fromSchema.url);
    expect(script).toContain("CREATE TABLE");
    await sql(fromSchema.url, script);

    const [a, b] = await Promise.all([schemaDump(fromMigrations.url), schemaDump(fromSchema.url)]);
    expect(a).toContain('CREATE TABLE public.webhooks');
    expect(a).toEqual(b);
  }, 60_000);

  it("keep Prisma's bookkeeping, so `prisma migrate deploy` agrees where it can run", async () => {
    const db = await fresh();
    const first = await migrate(db.url);
    const files = readMigrations();
    expect(first.applied).toEqual(files.map((f) => f.name));

    const rows = await sql<{ migration_name: string; checksum: string; finished: boolean; applied_steps_count: number; rolled_back_at: Date | null }>(
      db.url,
      `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, applied_steps_count, rolled_back_at FROM _prisma_migrations ORDER BY migration_name`,
    );
    expect(rows).toEqual(
      files.map((f) => ({ migration_name: f.name, checksum: f.checksum, finished: true, applied_steps_count: 1, rolled_back_at: null })),
    );

    const again = await migrate(db.url);
    expect(again).toEqual({ applied: [], alreadyApplied: files.map((f) => f.name), modified: [] });
  });

  it("apply each migration once when two runners race", async () => {
    const db = await fresh();
    const [x, y] = await Promise.all([migrate(db.url), migrate(db.url)]);
    expect([...x.applied, ...y.applied].sort()).toEqual(readMigrations().map((f) => f.name));
    const rows = await sql<{ n: string }>(db.url, "SELECT count(*) AS n FROM _prisma_migrations");
    expect(rows).toEqual([{ n: String(readMigrations().length) }]);
  });

  describe("with a migrations folder of our own", () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), "hookrelay-migrations-"));
      cpSync(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const addMigration = (name: string, text: string) => {
      mkdirSync(path.join(dir, name));
      writeFileSync(path.join(dir, name, "migration.sql"), text);
    };

    it("roll back a failing migration whole, record it, and apply it once fixed", async () => {
      const db = await fresh();
      await migrate(db.url, dir);
      addMigration("29990101000000_broken", 'CREATE TABLE "half" (id int);\nSELECT * FROM "no_such_table";');
      await expect(migrate(db.url, dir)).rejects.toThrow(/29990101000000_broken failed and was rolled back/);
      expect(await sql(db.url, "SELECT to_regclass('public.half') AS t")).toEqual([{ t: null }]);
      const [failed] = await sql<{ logs: string; rolled_back: boolean }>(
        db.url,
        `SELECT logs, rolled_back_at IS NOT NULL AS rolled_back FROM _prisma_migrations WHERE migration_name = '29990101000000_broken'`,
      );
      expect(failed).toMatchObject({ rolled_back: true, logs: expect.stringContaining("no_such_table") });

      writeFileSync(path.join(dir, "29990101000000_broken", "migration.sql"), 'CREATE TABLE "half" (id int);');
      expect((await migrate(db.url, dir)).applied).toEqual(["29990101000000_broken"]);
      expect(await sql(db.url, "SELECT to_regclass('public.half')::text AS t")).toEqual([{ t: "half" }]);
    });

    it("report an applied migration whose file was edited afterwards", async () => {
      const db = await fresh();
      addMigration("29990101000000_extra", "CREATE TABLE extra (id int);");
      await migrate(db.url, dir);
      writeFileSync(path.join(dir, "29990101000000_extra", "migration.sql"), "CREATE TABLE extra (id bigint);");
      const result = await migrate(db.url, dir);
      expect(result.modified).toEqual(["29990101000000_extra"]);
      expect(migrationChecksum("CREATE TABLE extra (id bigint);")).not.toEqual(migrationChecksum("CREATE TABLE extra (id int);"));
    });
  });
});
