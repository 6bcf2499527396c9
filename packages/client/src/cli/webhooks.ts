import type { CreateWebhook } from "../index";
import { flag, intOption, listOption, noPositionals, onePositional, requiredOption, stringOption, UsageError } from "./args";
import type { Command } from "./command";
import type { CommandContext } from "./context";
import { EXIT } from "./exit";
import { jsonDocument } from "./output";
import { testResult, webhookDetail, webhookTable } from "./views";

/** The first `limit` items of a paginated list (the SDK's List iterates every page). */
export async function take<T>(items: AsyncIterable<T>, limit: number): Promise<T[]> {
  const out: T[] = [];
  if (limit <= 0) return out;
  for await (const item of items) {
    out.push(item);
    if (out.length >= limit) break;
  }
  return out;
}

function print(ctx: CommandContext, value: unknown, human: string): void {
  ctx.io.out(ctx.json ? jsonDocument(value) : human);
}

const DIALECT_HELP = "meta (default), wappcloud, oneroute, oblic, slack, telegram, standard-webhooks, custom";

export const webhookCommands: Command[] = [
  {
    name: "webhooks list",
    summary: "List the account's webhooks, newest first",
    options: { limit: { type: "string" }, "include-deleted": { type: "boolean" } },
    optionHelp: [
      ["--limit <n>", "show at most n (default 100)"],
      ["--include-deleted", "deleted webhooks too (their log stays readable until retention removes it)"],
    ],
    async run(ctx) {
      noPositionals(ctx.args);
      const limit = intOption(ctx.args, "limit", { min: 1, max: 100_000 }) ?? 100;
      const include = flag(ctx.args, "include-deleted") ? { include: "deleted" as const } : {};
      const webhooks = await take(ctx.client().webhooks.list({ limit: Math.min(limit, 100), ...include }), limit);
      print(ctx, webhooks, webhookTable(webhooks));
    },
  },
  {
    name: "webhooks create",
    summary: "Register a webhook (hookrelay runs its dialect's handshake first)",
    options: {
      url: { type: "string" },
      "event-types": { type: "string", multiple: true },
      "verify-token": { type: "string" },
      dialect: { type: "string" },
      description: { type: "string" },
    },
    optionHelp: [
      ["--url <url>", "where deliveries go (required)"],
      ["--event-types <a,b>", "event types to subscribe to, comma-separated or repeated (required)"],
      ["--verify-token <token>", "the secret / verify token; generated and shown once where the dialect allows"],
      ["--dialect <name>", DIALECT_HELP],
      ["--description <text>", "a note for people"],
    ],
    async run(ctx) {
      noPositionals(ctx.args);
      const eventTypes = listOption(ctx.args, "event-types");
      if (eventTypes.length === 0) throw new UsageError("--event-types is required (for example --event-types message.created,chat.status_changed)");
      const optional = { verifyToken: "verify-token", description: "description", dialect: "dialect" } as const;
      const body: Record<string, unknown> = { url: requiredOption(ctx.args, "url"), eventTypes };
      for (const [field, option] of Object.entries(optional)) {
        const value = stringOption(ctx.args, option);
        if (value !== undefined) body[field] = value;
      }
      // The API refuses an unknown dialect with its list of names; no second list to keep here.
      const created = await ctx.client().webhooks.create(body as CreateWebhook);
      print(ctx, created, `created ${created.id}\n${webhookDetail(created)}`);
    },
  },
  {
    name: "webhooks show",
    args: "<id>",
    summary: "Show one webhook",
    async run(ctx) {
      const webhook = await ctx.client().webhooks.get(onePositional(ctx.args, "id"));
      print(ctx, webhook, webhookDetail(webhook));
    },
  },
  {
    name: "webhooks test",
    args: "<id>",
    summary: "Send a test event now and show what the endpoint answered",
    options: { "event-type": { type: "string" } },
    optionHelp: [["--event-type <type>", "whose sample to send (default: the webhook's first subscribed type)"]],
    details: `Exits ${EXIT.checkFailed} when the endpoint did not accept it (no answer or a non-2xx status).`,
    async run(ctx) {
      const id = onePositional(ctx.args, "id");
      const eventType = stringOption(ctx.args, "event-type");
      const result = await ctx.client().webhooks.test(id, eventType ? { eventType } : {});
      print(ctx, result, testResult(result));
      return result.success ? EXIT.ok : EXIT.checkFailed;
    },
  },
  {
    name: "webhooks enable",
    args: "<id>",
    summary: "Re-enable a paused or disabled webhook (re-runs the handshake)",
    async run(ctx) {
      const webhook = await ctx.client().webhooks.enable(onePositional(ctx.args, "id"));
      const skipped = webhook.skippedWhileDisabled;
      // The offer the answer carries, as the command that takes it up.
      const offer = skipped && skipped.count > 0
        ? `\n${skipped.count} deliveries were skipped while it was disabled; replay them with:\n  hookrelay webhooks replay ${webhook.id} --since ${skipped.since} --until ${skipped.until} --status skipped`
        : "";
      print(ctx, webhook, `enabled ${webhook.id}\n${webhookDetail(webhook)}${offer}`);
    },
  },
  {
    name: "webhooks pause",
    args: "<id>",
    summary: "Pause a webhook: nothing is sent until it is enabled again",
    options: { reason: { type: "string" } },
    optionHelp: [["--reason <text>", "shown as the webhook's disabled reason"]],
    async run(ctx) {
      const reason = stringOption(ctx.args, "reason");
      const webhook = await ctx.client().webhooks.pause(onePositional(ctx.args, "id"), reason ? { reason } : {});
      print(ctx, webhook, `paused ${webhook.id}\n${webhookDetail(webhook)}`);
    },
  },
  {
    name: "webhooks delete",
    args: "<id>",
    summary: "Delete a webhook (nothing more is sent to it; it and its log stay readable until retention removes them)",
    async run(ctx) {
      const id = onePositional(ctx.args, "id");
      await ctx.client().webhooks.delete(id);
      print(ctx, { id, deleted: true }, `deleted ${id}`);
    },
  },
];
