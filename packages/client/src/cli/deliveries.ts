import { intOption, listOption, noPositionals, onePositional, parseSince, requiredOption, stringOption, UsageError, type ParsedArgs } from "./args";
import type { Command } from "./command";
import { jsonDocument } from "./output";
import { tailDeliveries, POLL_MS } from "./tail";
import { attemptTable, deliveryDetail, deliverySummary } from "./views";
import { take } from "./webhooks";

function outcomeOption(args: ParsedArgs): "success" | "failure" | undefined {
  const v = stringOption(args, "outcome");
  if (v === undefined || v === "success" || v === "failure") return v;
  throw new UsageError(`--outcome must be success or failure (got "${v}")`);
}

const FILTER_OPTIONS = { "event-type": { type: "string" }, outcome: { type: "string" } } as const;
const FILTER_HELP: [string, string][] = [
  ["--event-type <type>", "only attempts of this event type"],
  ["--outcome <success|failure>", "only attempts that succeeded, or that failed"],
];

export const deliveryCommands: Command[] = [
  {
    name: "deliveries list",
    summary: "A webhook's delivery log: its attempts, newest first",
    options: { webhook: { type: "string" }, ...FILTER_OPTIONS, since: { type: "string" }, limit: { type: "string" } },
    optionHelp: [
      ["--webhook <id>", "whose log (required)"],
      ...FILTER_HELP,
      ["--since <when>", "only attempts since then: 15m, 2h, 7d, or an ISO 8601 time"],
      ["--limit <n>", "show at most n (default 20)"],
    ],
    async run(ctx) {
      noPositionals(ctx.args);
      const webhookId = requiredOption(ctx.args, "webhook");
      const limit = intOption(ctx.args, "limit", { min: 1, max: 100_000 }) ?? 20;
      const eventType = stringOption(ctx.args, "event-type");
      const outcome = outcomeOption(ctx.args);
      const since = stringOption(ctx.args, "since");
      const query = {
        limit: Math.min(limit, 100),
        ...(eventType ? { eventType } : {}),
        ...(outcome ? { outcome } : {}),
        ...(since ? { from: parseSince(since, ctx.now()) } : {}),
      };
      const attempts = await take(ctx.client().webhooks.attempts(webhookId, query), limit);
      ctx.io.out(ctx.json ? jsonDocument(attempts) : attemptTable(attempts));
    },
  },
  {
    name: "deliveries show",
    args: "<deliveryId>",
    summary: "A delivery and all its attempts",
    async run(ctx) {
      const delivery = await ctx.client().deliveries.get(onePositional(ctx.args, "deliveryId"));
      ctx.io.out(ctx.json ? jsonDocument(delivery) : deliveryDetail(delivery));
    },
  },
  {
    name: "deliveries redeliver",
    args: "<deliveryId>",
    summary: "Deliver again: a new chain of attempts with the same delivery id and body",
    async run(ctx) {
      const delivery = await ctx.client().deliveries.redeliver(onePositional(ctx.args, "deliveryId"));
      ctx.io.out(ctx.json ? jsonDocument(delivery) : deliverySummary(delivery, "redelivering"));
    },
  },
  {
    name: "deliveries tail",
    summary: "Follow the delivery log live: each new attempt as it happens",
    options: { webhook: { type: "string", multiple: true }, ...FILTER_OPTIONS },
    optionHelp: [["--webhook <id>", "only these webhooks (repeat it, or comma-separate); all of the account's otherwise"], ...FILTER_HELP],
    details: `Prints one line per attempt (with --json, one JSON object per line) until Ctrl-C or SIGTERM, then exits 0.
There is no account-wide feed of attempts in the API: tail polls each webhook's log every ${POLL_MS} ms and
re-lists the account's webhooks every 10 s to pick up new ones, so every round costs one request per webhook.
On an account with many webhooks, name the ones to watch with --webhook.`,
    async run(ctx) {
      noPositionals(ctx.args);
      const eventType = stringOption(ctx.args, "event-type");
      const outcome = outcomeOption(ctx.args);
      return tailDeliveries(ctx, { webhookIds: listOption(ctx.args, "webhook"), ...(eventType ? { eventType } : {}), ...(outcome ? { outcome } : {}) });
    },
  },
];
