import { DIALECTS, type DialectName } from "../receiver";
import { intOption, listOption, noPositionals, requiredOption, stringOption, UsageError } from "./args";
import type { Command } from "./command";
import { listen } from "./listen";

function httpUrl(raw: string, option: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--${option} must be a URL like http://localhost:3000/hooks (got "${raw}")`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`--${option} must be an http:// or https:// URL (got "${raw}")`);
  return url;
}

export const listenCommand: Command = {
  name: "listen",
  summary: "Deliver to a local app: register a webhook on a local port and forward each delivery",
  options: {
    "forward-to": { type: "string" },
    "event-types": { type: "string", multiple: true },
    port: { type: "string" },
    "public-url": { type: "string" },
    dialect: { type: "string" },
    "verify-token": { type: "string" },
  },
  optionHelp: [
    ["--forward-to <url>", "the local app's endpoint, e.g. http://localhost:3000/hooks (required)"],
    ["--event-types <a,b>", "what to subscribe to (default: every event type of the account)"],
    ["--port <n>", "the local port to receive on (default: any free one)"],
    ["--public-url <url>", "the URL hookrelay should call, when it reaches this port another way (a tunnel)"],
    ["--dialect <name>", `${DIALECTS.filter((d) => d !== "custom").join(", ")} (default meta)`],
    ["--verify-token <token>", "the verify token / secret your app already checks with (default: a random one, printed)"],
  ],
  details: `For local development. Opens an HTTP server on 127.0.0.1, registers a webhook pointing at it
(http://127.0.0.1:<port>/ unless --public-url), answers its handshake, then prints each delivery
(time, event type, delivery id), forwards it with its headers and exact body to --forward-to,
prints the app's status and returns it to hookrelay, so retries happen as they would against the
app (502 when the app is unreachable). Prints the signing secret for the app to verify with.
Ctrl-C or SIGTERM deletes the webhook, says so, and exits 0.
The API must accept http:// and loopback URLs, as \`npm run up\` does (HOOKRELAY_ALLOW_HTTP_URLS=true,
HOOKRELAY_EGRESS_ALLOW_CIDRS=127.0.0.0/8,::1/128); elsewhere use --public-url with a tunnel.`,
  async run(ctx) {
    noPositionals(ctx.args);
    const forwardTo = httpUrl(requiredOption(ctx.args, "forward-to"), "forward-to");
    const publicUrl = stringOption(ctx.args, "public-url");
    const verifyToken = stringOption(ctx.args, "verify-token");
    const dialect = stringOption(ctx.args, "dialect") ?? "meta";
    // custom needs dialectOptions, which listen does not take; the webhook would not register.
    if (!(DIALECTS as readonly string[]).includes(dialect) || dialect === "custom") {
      throw new UsageError(`--dialect must be one of ${DIALECTS.filter((d) => d !== "custom").join(", ")} (got "${dialect}")`);
    }
    return listen(ctx, {
      forwardTo,
      eventTypes: listOption(ctx.args, "event-types"),
      port: intOption(ctx.args, "port", { min: 0, max: 65_535 }) ?? 0,
      ...(publicUrl ? { publicUrl: httpUrl(publicUrl, "public-url").href } : {}),
      dialect: dialect as DialectName,
      ...(verifyToken ? { verifyToken } : {}),
    });
  },
};
