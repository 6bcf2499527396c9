import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCli } from "../../src/cli/commands";
import { createAccountsService } from "../../src/accounts/service";
import { systemClock } from "../../src/lib/clock";
import { createDatabase } from "../../src/lib/prisma";
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from "../support/database";

async function cli(argv: string[], databaseUrl: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, { DATABASE_URL: databaseUrl });
  return { code, out, err: err.join("\n") };
}

describe("the hookrelay CLI", () => {
  let db: TestDatabase;
  const cleanup: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(cleanup.map((c) => c()));
    await db.drop();
  });

  /** Whether a key authenticates, asked of the same service the API uses. */
  async function keyBelongsTo(apiKey: string, accountId: string) {
    const database = createDatabase(db.url, 1);
    try {
      const found = await createAccountsService({ ...database, clock: systemClock }).authenticate(apiKey);
      return found?.accountId === accountId;
    } finally {
      await database.close();
    }
  }

  it("migrates an empty database and seeds the built-in event types, idempotently", async () => {
    const empty = await createEmptyDatabase();
    cleanup.push(() => empty.drop());
    const first = await cli(["migrate"], empty.url);
    expect(first).toMatchObject({ code: 0 });
    expect(first.err).toMatch(/applied \d+_init/);
    const second = await cli(["migrate"], empty.url);
    expect(second.err).toMatch(/database is up to date/);

    const { db: prisma, close } = createDatabase(empty.url, 1);
    try {
      const names = (await prisma.eventType.findMany({ where: { accountId: null } })).map((t) => t.name).sort();
      expect(names).toEqual(["chat.status_changed", "delivery.exhausted", "message.created", "meta.message", "webhook.disabled", "webhook.failing", "webhook.recovered"]);
    } finally {
      await close();
    }
  });

  it("creates an account and prints its id and a working key as JSON", async () => {
    const res = await cli(["accounts", "create", "Acme", "Inc"], db.url);
    expect(res.code).toBe(0);
    const printed = JSON.parse(res.out[0]!);
    expect(printed).toEqual({ accountId: expect.stringMatching(/^acc_/), apiKey: expect.stringMatching(/^hr_/) });
    expect(await keyBelongsTo(printed.apiKey, printed.accountId)).toBe(true);
  });

  it("issues another key for an account", async () => {
    const { accountId } = JSON.parse((await cli(["accounts", "create", "Beta"], db.url)).out[0]!);
    const res = await cli(["keys", "create", "--account", accountId, "--name", "deploy"], db.url);
    expect(res.code).toBe(0);
    const printed = JSON.parse(res.out[0]!);
    expect(printed).toMatchObject({ accountId, keyId: expect.stringMatching(/^key_/) });
    expect(await keyBelongsTo(printed.apiKey, accountId)).toBe(true);

    const missing = await cli(["keys", "create", "--account", "acc_missing"], db.url);
    expect(missing).toMatchObject({ code: 1, err: "hookrelay: account not found" });
  });

  it("keeps the demo account's key in a private state file and reuses it", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "hookrelay-demo-"));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const stateFile = path.join(dir, "demo.json");
    const first = JSON.parse((await cli(["demo", "--state-file", stateFile], db.url)).out[0]!);
    const second = JSON.parse((await cli(["demo", "--state-file", stateFile], db.url)).out[0]!);
    expect(second).toEqual(first);
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);
    expect(await keyBelongsTo(first.apiKey, first.accountId)).toBe(true);

    writeFileSync(stateFile, JSON.stringify({ accountId: first.accountId, apiKey: "hr_stale" }));
    const replaced = JSON.parse((await cli(["demo", "--state-file", stateFile], db.url)).out[0]!);
    expect(replaced.accountId).not.toBe(first.accountId);
    expect(await keyBelongsTo(replaced.apiKey, replaced.accountId)).toBe(true);
  });

  it.each([[[]], [["frobnicate"]], [["accounts", "create"]], [["keys", "create"]], [["demo"]]])(
    "explains its usage and exits 2 for %j",
    async (argv) => {
      const res = await cli(argv, db.url);
      expect(res.code).toBe(2);
      expect(res.err).toContain("usage:");
    },
  );

  it("says which setting is wrong when DATABASE_URL is missing", async () => {
    const res = await cli(["migrate"], "");
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/DATABASE_URL/);
  });
});
