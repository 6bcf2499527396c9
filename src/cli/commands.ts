import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { createAccountsService } from "../accounts/service";
import { loadDatabaseUrl, loadEncryptionKeys } from "../config";
import { migrate } from "../db/migrator";
import { createEventTypesService } from "../event-types/service";
import { systemClock } from "../lib/clock";
import { createDatabase, type Database } from "../lib/prisma";
import { createSecretBox } from "../lib/secret-box";
import { reencryptSecrets } from "../webhooks/reencrypt-secrets";
import { USAGE } from "./usage";

class UsageError extends Error {}

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** Runs one command; returns the exit code (0 ok, 1 failed, 2 usage). */
export async function runCli(argv: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  try {
    await dispatch(argv, io, loadDatabaseUrl(env), env);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`hookrelay: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    io.err(`hookrelay: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

async function dispatch(argv: string[], io: CliIo, databaseUrl: string, env: NodeJS.ProcessEnv): Promise<void> {
  const print = (value: unknown) => io.out(JSON.stringify(value));
  const withDb = <T>(fn: (db: Database) => Promise<T>) => usingDb(databaseUrl, fn);
  const [group, action, ...rest] = argv;
  if (group === "migrate") return runMigrate(databaseUrl, io);
  if (group === "accounts" && action === "create") {
    const name = rest.join(" ").trim();
    if (!name) throw new UsageError("accounts create needs a name");
    return withDb(async (db) => {
      const { account, key } = await createAccountsService({ ...db, clock: systemClock }).create(name);
      print({ accountId: account.id, apiKey: key.apiKey });
    });
  }
  if (group === "keys" && action === "create") {
    const { values } = parseArgs({ args: rest, options: { account: { type: "string" }, name: { type: "string" } } });
    if (!values.account) throw new UsageError("keys create needs --account <id>");
    const accountId = values.account;
    return withDb(async (db) => {
      const key = await createAccountsService({ ...db, clock: systemClock }).createKey(accountId, values.name ?? "cli");
      print({ accountId, keyId: key.id, apiKey: key.apiKey });
    });
  }
  if (group === "demo") {
    const { values } = parseArgs({ args: argv.slice(1), options: { "state-file": { type: "string" } } });
    if (!values["state-file"]) throw new UsageError("demo needs --state-file <path>");
    return ensureDemo(databaseUrl, values["state-file"], print);
  }
  if (group === "secrets" && action === "rotate") return rotateSecrets(databaseUrl, loadEncryptionKeys(env), print);
  throw new UsageError(group ? `unknown command: ${argv.join(" ")}` : "no command given");
}

async function runMigrate(databaseUrl: string, io: CliIo): Promise<void> {
  const result = await migrate(databaseUrl);
  for (const name of result.applied) io.err(`applied ${name}`);
  for (const name of result.modified) io.err(`warning: ${name} was changed after it was applied`);
  if (result.applied.length === 0) io.err(`database is up to date (${result.alreadyApplied.length} migrations)`);
  await usingDb(databaseUrl, (db) => createEventTypesService(db).syncBuiltins());
}

/** Keys are stored hashed, so the demo key can be shown again only if we kept it ourselves. */
async function ensureDemo(databaseUrl: string, stateFile: string, print: (v: unknown) => void): Promise<void> {
  await usingDb(databaseUrl, async (db) => {
    const accounts = createAccountsService({ ...db, clock: systemClock });
    if (existsSync(stateFile)) {
      const saved = JSON.parse(readFileSync(stateFile, "utf8")) as { accountId?: string; apiKey?: string };
      const found = saved.apiKey ? await accounts.authenticate(saved.apiKey) : null;
      if (found && found.accountId === saved.accountId) return print({ accountId: saved.accountId, apiKey: saved.apiKey });
    }
    const { account, key } = await accounts.create("Demo");
    const state = { accountId: account.id, apiKey: key.apiKey };
    mkdirSync(path.dirname(stateFile), { recursive: true });
    writeFileSync(stateFile, JSON.stringify(state) + "\n", { mode: 0o600 });
    chmodSync(stateFile, 0o600);
    print(state);
  });
}

/** Prints {"keyId","webhooks","reencrypted"}; fails naming what no key of the ring can open. */
async function rotateSecrets(databaseUrl: string, keyring: ReturnType<typeof loadEncryptionKeys>, print: (v: unknown) => void): Promise<void> {
  const result = await usingDb(databaseUrl, ({ sql }) => reencryptSecrets(sql, createSecretBox(keyring), keyring[0]!.id));
  print({ keyId: result.keyId, webhooks: result.webhooks, reencrypted: result.reencrypted });
  if (result.unreadable.length > 0) {
    const some = result.unreadable.slice(0, 5).join(", ");
    throw new Error(`${result.unreadable.length} secrets are sealed with a key that is not in HOOKRELAY_ENCRYPTION_KEYS (${some}); add that key and run again`);
  }
}

async function usingDb<T>(databaseUrl: string, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = createDatabase(databaseUrl, 2);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}
