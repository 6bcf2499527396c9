import type { Scope } from "../index";
import { listOption, noPositionals, onePositional, parseDurationSeconds, stringOption, UsageError } from "./args";
import type { Command } from "./command";
import type { CommandContext } from "./context";
import { jsonDocument, shortTime } from "./output";
import { issuedKey, keyStatus, keyTable, SHOWN_ONCE } from "./views";

const ACCOUNT_OPTION = { account: { type: "string" } } as const;
const ACCOUNT_HELP: [string, string] = ["--account <id>", "with the admin key: the account whose keys these are"];

/** The caller's own keys, or, with --account (the admin key), that account's. */
function keysOf(ctx: CommandContext) {
  const account = stringOption(ctx.args, "account");
  return account ? ctx.client().accounts.apiKeys(account) : ctx.client().apiKeys;
}

export const keyCommands: Command[] = [
  {
    name: "api-keys list",
    summary: "List the account's API keys, newest first (never the keys themselves)",
    options: ACCOUNT_OPTION,
    optionHelp: [ACCOUNT_HELP],
    async run(ctx) {
      noPositionals(ctx.args);
      const keys = await keysOf(ctx).list().all();
      ctx.io.out(ctx.json ? jsonDocument(keys) : keyTable(keys, ctx.now()));
    },
  },
  {
    name: "api-keys create",
    summary: "Create an API key, shown once",
    options: { ...ACCOUNT_OPTION, name: { type: "string" }, scopes: { type: "string", multiple: true } },
    optionHelp: [
      ["--name <name>", "what it is for, e.g. orders-service (default: default)"],
      ["--scopes <a,b>", "what it may do, e.g. events:write (default: * full access); comma-separated or repeated"],
      ACCOUNT_HELP,
    ],
    details: "Scopes: * (full access), events:write, events:read, webhooks:read, webhooks:write (implies webhooks:read), portal:sessions, audit:read.",
    async run(ctx) {
      noPositionals(ctx.args);
      const name = stringOption(ctx.args, "name");
      const scopes = listOption(ctx.args, "scopes");
      // The API refuses an unknown scope with its list of names; no second list to keep here.
      const key = await keysOf(ctx).create({ ...(name !== undefined ? { name } : {}), ...(scopes.length ? { scopes: scopes as Scope[] } : {}) });
      if (ctx.json) return void ctx.io.out(jsonDocument(key));
      ctx.io.out(`created ${key.id}\n${issuedKey(key)}`);
      ctx.io.err(SHOWN_ONCE);
    },
  },
  {
    name: "api-keys revoke",
    args: "<id>",
    summary: "Revoke an API key: it stops working within a second",
    options: ACCOUNT_OPTION,
    optionHelp: [ACCOUNT_HELP],
    async run(ctx) {
      const key = await keysOf(ctx).revoke(onePositional(ctx.args, "id"));
      ctx.io.out(ctx.json ? jsonDocument(key) : `revoked ${key.id} (${key.name}) at ${shortTime(key.revokedAt)}`);
    },
  },
  {
    name: "api-keys rotate",
    args: "<id>",
    summary: "Replace an API key with a new one (same name and scopes), shown once",
    options: { ...ACCOUNT_OPTION, grace: { type: "string" } },
    optionHelp: [
      ["--grace <duration>", "how long the old key keeps working: 0, 3600, 30m, 24h, 7d (default 24h, at most 30d)"],
      ACCOUNT_HELP,
    ],
    async run(ctx) {
      const id = onePositional(ctx.args, "id");
      const grace = stringOption(ctx.args, "grace");
      const gracePeriodSeconds = grace === undefined ? undefined : parseDurationSeconds(grace);
      if (gracePeriodSeconds === null) throw new UsageError(`--grace must be seconds or a duration like 30m, 24h or 7d (got "${grace}")`);
      const rotated = await keysOf(ctx).rotate(id, gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds });
      if (ctx.json) return void ctx.io.out(jsonDocument(rotated));
      const old = rotated.previous;
      ctx.io.out(`rotated ${old.id} → ${rotated.apiKey.id}\n${issuedKey(rotated.apiKey)}\nprevious: ${old.id}, ${keyStatus(old, ctx.now())}`);
      ctx.io.err(SHOWN_ONCE);
    },
  },
];
