import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Client } from "pg";
import { DEFAULT_MIGRATIONS_DIR, migrate, migrationChecksum, readMigrations } from "../../src/db/migrator";
import { projectRoot } from "../../src/lib/project-root";
import { newId } from "../../src/lib/ids";
import { createEmptyDatabase, type TestDatabase } from "../support/database";

const run = promisify(execFile);
const BEYOND_PRISMA = "-- hookrelay: beyond prisma\n";
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
    // What Prisma's schema cannot say (partitioning), declared as such in the migration's first
    // line, is applied after its script; everything else must still come from the schema.
    const beyond = readMigrations().filter((m) => m.sql.startsWith(BEYOND_PRISMA));
    expect(beyond.map((m) => m.name)).toEqual(["20261201190100_partition_by_time"]);
    for (const m of beyond) await sql(fromSchema.url, m.sql);

    const [a, b] = await Promise.all([schemaDump(fromMigrations.url), schemaDump(fromSchema.url)]);
    expect(a).toContain('CREATE TABLE public.webhooks');
    expect(a).toContain("PARTITION BY RANGE (delivery_id)");
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

  it("move the rows stored before partitioning into partitions of their days, keys included", async () => {
    const db = await fresh();
    const before = mkdtempSync(path.join(tmpdir(), "hookrelay-migrations-"));
    try {
      for (const m of readMigrations().filter((f) => f.name < "20261201190000")) {
        mkdirSync(path.join(before, m.name));
        writeFileSync(path.join(before, m.name, "migration.sql"), m.sql);
      }
      await migrate(db.url, before);
    } finally {
      rmSync(before, { recursive: true, force: true });
    }
    // Two days apart, ids made the way the code makes them (src/lib/ids.ts).
    const [day1, day2] = [Date.UTC(2026, 10, 3, 23, 59, 59, 999), Date.UTC(2026, 10, 5, 12)];
    const e1 = newId("evt", day1);
    const e2 = newId("evt", day2);
    const [d1, d2] = [newId("dlv", day1 + 2), newId("dlv", day2)];
    await sql(
      db.url,
      `INSERT INTO accounts (id, name, updated_at) VALUES ('acc_1', 'a', now());
       INSERT INTO webhooks (id, account_id, url, event_types, verify_token_cipher, verify_token_hint, updated_at)
         VALUES ('wh_1', 'acc_1', 'https://x.test', '{t}', 'c', 'h', now());
       INSERT INTO events (id, account_id, type, data, idempotency_key, created_at) VALUES
         ('${e1}', 'acc_1', 't', '{}', 'k1', to_timestamp(${day1} / 1000.0)), ('${e2}', 'acc_1', 't', '{}', null, to_timestamp(${day2} / 1000.0));
       INSERT INTO deliveries (id, account_id, webhook_id, event_id, event_type, status, updated_at) VALUES
         ('${d1}', 'acc_1', 'wh_1', '${e1}', 't', 'failed', now()), ('${d2}', 'acc_1', 'wh_1', '${e2}', 't', 'pending', now());
       INSERT INTO delivery_attempts (id, delivery_id, webhook_id, account_id, event_id, event_type, attempt_number, success, request_url, request_headers, response_time_ms, started_at)
         VALUES ('${newId("att", day1 + 5)}', '${d1}', 'wh_1', 'acc_1', '${e1}', 't', 1, false, 'https://x.test', '{}', 5, now());`,
    );
    await migrate(db.url);

    const placed = await sql<{ t: string; n: string }>(
      db.url,
      `SELECT tableoid::regclass::text AS t, count(*)::text AS n FROM events GROUP BY 1
       UNION ALL SELECT tableoid::regclass::text, count(*)::text FROM deliveries GROUP BY 1
       UNION ALL SELECT tableoid::regclass::text, count(*)::text FROM delivery_attempts GROUP BY 1 ORDER BY 1`,
    );
    // The delivery of the event made a millisecond before midnight took its id just after: it
    // sits in the next day, where its id says (deliveries made from now on share their event's time).
    expect(placed).toEqual([
      { t: "deliveries_p20261104000000", n: "1" },
      { t: "deliveries_p20261105000000", n: "1" },
      { t: "delivery_attempts_p20261104000000", n: "1" },
      { t: "events_p20261103000000", n: "1" },
      { t: "events_p20261105000000", n: "1" },
    ]);
    expect(await sql(db.url, "SELECT account_id, key, event_id FROM idempotency_keys")).toEqual([{ account_id: "acc_1", key: "k1", event_id: e1 }]);
    expect(await sql(db.url, `SELECT hookrelay_id_time('${e1}') = to_timestamp(${day1} / 1000.0) AS same`)).toEqual([{ same: true }]);
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
