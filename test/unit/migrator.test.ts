import { createHash } from "node:crypto";
import fs, { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { migrationChecksum, readMigrations } from "../../src/db/migrator";

describe("migrationChecksum", () => {
  it("is the lowercase hex SHA-256 of the script's UTF-8 bytes", () => {
    expect(migrationChecksum("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const sql = 'CREATE TABLE "été" (id int);\n';
    expect(migrationChecksum(sql)).toBe(createHash("sha256").update(Buffer.from(sql, "utf8")).digest("hex"));
  });

  it("changes with any byte, including trailing whitespace and line endings", () => {
    const sql = "SELECT 1;\n";
    expect(migrationChecksum(sql)).not.toBe(migrationChecksum("SELECT 1;"));
    expect(migrationChecksum(sql)).not.toBe(migrationChecksum("SELECT 1;\r\n"));
  });
});

describe("readMigrations", () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "hookrelay-migrations-"));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function addMigration(name: string, sql: string): void {
    mkdirSync(path.join(dir, name));
    writeFileSync(path.join(dir, name, "migration.sql"), sql);
  }

  it("reads every migration sorted by directory name, with its checksum", () => {
    addMigration("20240301000000_add_deliveries", "CREATE TABLE deliveries ();\n");
    addMigration("20240101000000_init", "CREATE TABLE accounts ();\r\n");
    addMigration("20240201000000_add_webhooks", "-- é\nCREATE TABLE webhooks ();");
    expect(readMigrations(dir)).toEqual([
      { name: "20240101000000_init", sql: "CREATE TABLE accounts ();\r\n", checksum: migrationChecksum("CREATE TABLE accounts ();\r\n") },
      {
        name: "20240201000000_add_webhooks",
        sql: "-- é\nCREATE TABLE webhooks ();",
        checksum: migrationChecksum("-- é\nCREATE TABLE webhooks ();"),
      },
      { name: "20240301000000_add_deliveries", sql: "CREATE TABLE deliveries ();\n", checksum: migrationChecksum("CREATE TABLE deliveries ();\n") },
    ]);
  });

  it("sorts by name even when the file system lists directories in another order", () => {
    addMigration("20240101000000_init", "SELECT 1;");
    addMigration("20240201000000_next", "SELECT 2;");
    addMigration("20240301000000_last", "SELECT 3;");
    const readdir = fs.readdirSync;
    const reversed = jest
      .spyOn(fs, "readdirSync")
      .mockImplementation(((...args: Parameters<typeof readdir>) => [...readdir(...args)].reverse()) as typeof readdir);
    try {
      expect(readMigrations(dir).map((m) => m.name)).toEqual(["20240101000000_init", "20240201000000_next", "20240301000000_last"]);
      expect(reversed).toHaveBeenCalled();
    } finally {
      reversed.mockRestore();
    }
  });

  it("skips directories without a migration.sql and files beside the directories", () => {
    addMigration("20240101000000_init", "SELECT 1;");
    mkdirSync(path.join(dir, "20240201000000_empty"));
    mkdirSync(path.join(dir, "20240301000000_other_file"));
    writeFileSync(path.join(dir, "20240301000000_other_file", "down.sql"), "SELECT 2;");
    writeFileSync(path.join(dir, "migration_lock.toml"), 'provider = "postgresql"\n');
    expect(readMigrations(dir).map((m) => m.name)).toEqual(["20240101000000_init"]);
  });

  it("returns nothing for an empty directory", () => {
    expect(readMigrations(dir)).toEqual([]);
  });

  it("throws for a directory that does not exist", () => {
    expect(() => readMigrations(path.join(dir, "missing"))).toThrow(/ENOENT/);
  });
});
