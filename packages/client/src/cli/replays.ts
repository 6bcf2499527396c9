import type { Replay, ReplayDryRun, StartReplay } from "../index";
import { flag, listOption, onePositional, parseSince, stringOption, UsageError, type ParsedArgs } from "./args";
import type { Command } from "./command";
import type { CommandContext } from "./context";
import { jsonDocument, keyValues, shortTime } from "./output";

const STATUSES = ["failed", "skipped", "succeeded", "cancelled"] as const;
type Status = (typeof STATUSES)[number];

function statusOption(args: ParsedArgs): StartReplay["statuses"] | undefined {
  const given = listOption(args, "status");
  if (given.length === 0) return undefined;
  if (given.length === 1 && given[0] === "all") return "all";
  const unknown = given.filter((s) => !(STATUSES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new UsageError(`--status takes ${STATUSES.join(", ")} (comma-separated) or all (got "${unknown.join(",")}")`);
  return given as Status[];
}

export function replayDetail(r: Replay): string {
  return keyValues([
    ["id", r.id],
    ["webhook", r.webhookId],
    ["status", r.status],
    ["progress", `${r.replayed} of ${r.matched} replayed`],
    ["range", `${shortTime(r.since)} → ${shortTime(r.until)} (event creation time)`],
    ["statuses", r.statuses.join(", ")],
    ["event types", r.eventTypes.length > 0 ? r.eventTypes.join(", ") : "all"],
    ["started", shortTime(r.createdAt)],
    ["finished", r.finishedAt ? shortTime(r.finishedAt) : undefined],
  ]);
}

function print(ctx: CommandContext, value: unknown, human: string): void {
  ctx.io.out(ctx.json ? jsonDocument(value) : human);
}

export const replayCommands: Command[] = [
  {
    name: "webhooks replay",
    args: "<id>",
    summary: "Deliver a webhook's deliveries of a time range again, in the background (bulk redeliver)",
    options: { since: { type: "string" }, until: { type: "string" }, status: { type: "string", multiple: true }, type: { type: "string", multiple: true }, "dry-run": { type: "boolean" } },
    optionHelp: [
      ["--since <when>", "deliveries of events created since then: 15m, 2h, 7d, or an ISO 8601 time (required)"],
      ["--until <when>", "…and before then (default: now)"],
      ["--status <a,b|all>", "failed (default), skipped, succeeded, cancelled, comma-separated, or all"],
      ["--type <type>", "only events of these types (repeat it, or comma-separate)"],
      ["--dry-run", "only count what would be replayed; nothing is sent"],
    ],
    details: `Each matched delivery is sent once more as a new chain of attempts (like deliveries redeliver),
at the API's bounded rate. Follow it with \`hookrelay replays show <replayId>\`; stop it with
\`hookrelay replays cancel <replayId>\`. Starting the same replay again answers the running one.`,
    async run(ctx) {
      const id = onePositional(ctx.args, "id");
      const since = stringOption(ctx.args, "since");
      if (!since) throw new UsageError("--since is required (for example --since 3h, or --since 2026-12-01T08:00:00Z)");
      const until = stringOption(ctx.args, "until");
      const statuses = statusOption(ctx.args);
      const eventTypes = listOption(ctx.args, "type");
      const body: StartReplay = {
        since: parseSince(since, ctx.now()),
        ...(until ? { until: parseSince(until, ctx.now()) } : {}),
        ...(statuses ? { statuses } : {}),
        ...(eventTypes.length > 0 ? { eventTypes } : {}),
        ...(flag(ctx.args, "dry-run") ? { dryRun: true } : {}),
      };
      const answer = await ctx.client().replays.start(id, body);
      if ("dryRun" in answer) {
        const dry = answer as ReplayDryRun;
        print(ctx, dry, `${dry.matched} deliver${dry.matched === 1 ? "y matches" : "ies match"} (events ${shortTime(dry.since)} → ${shortTime(dry.until)}, ${dry.statuses.join(", ")}); nothing was sent`);
        return;
      }
      print(ctx, answer, `replay ${answer.id}: ${answer.status}\n${replayDetail(answer)}`);
    },
  },
  {
    name: "replays show",
    args: "<replayId>",
    summary: "A replay and its progress",
    async run(ctx) {
      const replay = await ctx.client().replays.get(onePositional(ctx.args, "replayId"));
      print(ctx, replay, replayDetail(replay));
    },
  },
  {
    name: "replays cancel",
    args: "<replayId>",
    summary: "Cancel a replay: nothing more is restarted (what was already restarted is sent)",
    async run(ctx) {
      const replay = await ctx.client().replays.cancel(onePositional(ctx.args, "replayId"));
      print(ctx, replay, `cancelled ${replay.id}\n${replayDetail(replay)}`);
    },
  },
];
