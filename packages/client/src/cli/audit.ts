import type { ListAuditLogQuery } from "../index";
import { intOption, noPositionals, parseSince, stringOption, UsageError } from "./args";
import type { Command } from "./command";
import { jsonDocument } from "./output";
import { take } from "./webhooks";
import { auditTable } from "./views";

export const auditCommands: Command[] = [
  {
    name: "audit list",
    summary: "Who changed what, newest first: the account's audit log",
    options: {
      webhook: { type: "string" },
      target: { type: "string" },
      action: { type: "string" },
      "actor-type": { type: "string" },
      since: { type: "string" },
      until: { type: "string" },
      limit: { type: "string" },
      account: { type: "string" },
    },
    optionHelp: [
      ["--webhook <id>", "only entries about this webhook"],
      ["--target <id>", "only entries about this target: a webhook, API key, event type, delivery, portal session"],
      ["--action <action>", "e.g. webhook.updated, api_key.rotated, delivery.redelivered"],
      ["--actor-type <type>", "api_key, admin, portal_session or system"],
      ["--since <when>", "entries at or after: 2h, 7d, or an ISO 8601 time"],
      ["--until <when>", "entries before: 2h, 7d, or an ISO 8601 time"],
      ["--limit <n>", "show at most n (default 50)"],
      ["--account <id>", "with the admin key: the account whose log to read"],
    ],
    details: "The table shows which fields changed; --json has their values (secrets only as {\"changed\": true}).",
    async run(ctx) {
      noPositionals(ctx.args);
      const webhook = stringOption(ctx.args, "webhook");
      const target = stringOption(ctx.args, "target");
      if (webhook && target) throw new UsageError("pass --webhook or --target, not both");
      const targetId = webhook ?? target;
      const since = stringOption(ctx.args, "since");
      const until = stringOption(ctx.args, "until");
      const limit = intOption(ctx.args, "limit", { min: 1, max: 100_000 }) ?? 50;
      const optional = { action: "action", actorType: "actor-type", accountId: "account" } as const;
      const query: ListAuditLogQuery = { limit: Math.min(limit, 100) };
      for (const [field, option] of Object.entries(optional)) {
        const value = stringOption(ctx.args, option);
        if (value !== undefined) Object.assign(query, { [field]: value });
      }
      if (targetId) query.targetId = targetId;
      if (since) query.from = parseSince(since, ctx.now());
      if (until) query.to = parseSince(until, ctx.now());
      // The API names the valid actions and actor types when one is wrong.
      const entries = await take(ctx.client().auditLog.list(query), limit);
      ctx.io.out(ctx.json ? jsonDocument(entries) : auditTable(entries));
    },
  },
];
