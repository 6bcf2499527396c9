import { noPositionals, parseDurationSeconds, stringOption, UsageError } from "./args";
import type { Command } from "./command";
import { jsonDocument, shortTime } from "./output";

export const portalCommands: Command[] = [
  {
    name: "portal link",
    summary: "Print a single-use magic link into the account's webhook portal",
    options: { access: { type: "string" }, ttl: { type: "string" }, locale: { type: "string" } },
    optionHelp: [
      ["--access <read|manage>", "manage (default) may change webhooks; read may only look"],
      ["--ttl <duration>", "how long the session lasts once opened: 30m, 12h, 7d (5m to 7d; the deployment's default otherwise)"],
      ["--locale <en|pt|ar>", "the portal's language (the browser's otherwise)"],
    ],
    details: "Only the link goes to stdout (`open \"$(hookrelay portal link)\"`); when it expires goes to stderr.",
    async run(ctx) {
      noPositionals(ctx.args);
      const access = stringOption(ctx.args, "access") ?? "manage";
      if (access !== "read" && access !== "manage") throw new UsageError(`--access must be read or manage (got "${access}")`);
      const ttl = stringOption(ctx.args, "ttl");
      const ttlSeconds = ttl === undefined ? undefined : parseDurationSeconds(ttl);
      if (ttlSeconds === null) throw new UsageError(`--ttl must be a duration like 30m, 12h or 7d (got "${ttl}")`);
      const locale = stringOption(ctx.args, "locale");
      const session = await ctx.client().portal.createSession({
        access,
        ...(ttlSeconds !== undefined ? { ttlSeconds } : {}),
        ...(locale ? { locale: locale as "en" } : {}),
      });
      if (ctx.json) return void ctx.io.out(jsonDocument(session));
      ctx.io.out(session.url);
      ctx.io.err(`${session.access} access; open it once before ${shortTime(session.linkExpiresAt)} UTC; the session then lasts ${Math.round(session.sessionTtlSeconds / 60)} min`);
    },
  },
];
