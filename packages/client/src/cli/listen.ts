import { randomBytes } from "node:crypto";
import http, { type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Hookrelay } from "../index";
import { answerHandshake, type DialectName } from "../receiver";
import type { CommandContext } from "./context";
import { describeFailure, EXIT, type ExitCode } from "./exit";
import { answerFor, describeOutcome, forward } from "./forward";
import { clockTime, jsonLine } from "./output";

/**
 * `listen`: hookrelay delivering to a local app under development. Opens a server on a local
 * port, registers a webhook pointing at it (answering the dialect's handshake itself), relays
 * each delivery to --forward-to and the app's answer back, and deletes the webhook on exit.
 */
export interface ListenOptions {
  forwardTo: URL;
  eventTypes: string[];
  port: number;
  publicUrl?: string;
  dialect: DialectName;
  /** The app's own verify token/secret, so it verifies listen's deliveries unchanged; else one is made. */
  verifyToken?: string;
}

/** Longer than hookrelay's delivery timeout (5 s by default, 60 s at most): the app's slowness is hookrelay's to judge. */
const FORWARD_TIMEOUT_MS = 65_000;

type Emit = (human: string, json: Record<string, unknown>) => void;

export async function listen(ctx: CommandContext, opts: ListenOptions): Promise<ExitCode> {
  const hr = ctx.client();
  // Asked before anything starts, so a Ctrl-C during registration still ends in a clean-up.
  const stop = ctx.stopSignal();
  const emit: Emit = (human, json) => ctx.io.out(ctx.json ? jsonLine({ at: ctx.now().toISOString(), ...json }) : `${clockTime(ctx.now())}  ${human}`);
  const secret = opts.verifyToken ?? generatedSecret(opts.dialect);
  const relay = { secret, dialect: opts.dialect };
  const server = http.createServer((req, res) => void handle(req, res, relay, opts.forwardTo, emit).catch((err: unknown) => failRequest(res, err, ctx)));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, "127.0.0.1", () => resolve());
  });
  try {
    const port = (server.address() as AddressInfo).port;
    const url = opts.publicUrl ?? `http://127.0.0.1:${port}/`;
    const eventTypes = opts.eventTypes.length > 0 ? opts.eventTypes : await allEventTypes(hr);
    const webhook = await hr.webhooks.create({
      url,
      eventTypes,
      dialect: opts.dialect,
      description: `hookrelay listen → ${opts.forwardTo.href}`,
      ...(secret ? { verifyToken: secret } : {}),
    });
    // A secret hookrelay generated (standard-webhooks) is what the deliveries are signed with.
    const appSecret = webhook.secret ?? secret;
    emit(`ready: ${webhook.id} (${opts.dialect}) at ${url} forwards to ${opts.forwardTo.href}`, {
      type: "ready",
      webhookId: webhook.id,
      url,
      forwardTo: opts.forwardTo.href,
      dialect: opts.dialect,
      eventTypes,
      secret: appSecret,
    });
    if (!ctx.json) {
      ctx.io.out(`  event types: ${eventTypes.join(", ")}`);
      ctx.io.out(`  signing secret for your app: ${appSecret}`);
      ctx.io.out("  Ctrl-C deletes the webhook and stops");
    }
    await new Promise<void>((resolve) => (stop.aborted ? resolve() : stop.addEventListener("abort", () => resolve(), { once: true })));
    try {
      await hr.webhooks.delete(webhook.id);
    } catch (err) {
      ctx.io.err(`could not delete ${webhook.id}; delete it with \`hookrelay webhooks delete ${webhook.id}\`\n${describeFailure(err, ctx.json)}`);
      return EXIT.apiError;
    }
    emit(`deleted webhook ${webhook.id}`, { type: "deleted", webhookId: webhook.id });
    return EXIT.ok;
  } finally {
    await closeServer(server);
  }
}

/**
 * Meta and Slack handshakes need a secret the receiver (here: us) knows before hookrelay calls,
 * so one is made here. standard-webhooks secrets have a format of their own: hookrelay makes it.
 */
function generatedSecret(dialect: DialectName): string | undefined {
  return dialect === "standard-webhooks" ? undefined : randomBytes(24).toString("hex");
}

async function allEventTypes(hr: Hookrelay): Promise<string[]> {
  const names: string[] = [];
  for await (const t of hr.eventTypes.list()) names.push(t.name);
  // The API takes at most 100 subscriptions per webhook.
  return names.slice(0, 100);
}

async function handle(req: IncomingMessage, res: ServerResponse, relay: { secret: string | undefined; dialect: DialectName }, forwardTo: URL, emit: Emit): Promise<void> {
  const body = await readBody(req);
  const request = { headers: req.headers, rawBody: body, method: req.method, url: req.url };
  const handshake = answerHandshake(request, { dialect: relay.dialect, secret: relay.secret ?? "" });
  if (handshake.handled) {
    emit(`answered hookrelay's ${relay.dialect} handshake (${handshake.status})`, { type: "handshake", status: handshake.status });
    res.writeHead(handshake.status, handshake.headers).end(handshake.body);
    return;
  }
  if (req.method !== "POST") {
    res.writeHead(405, { "content-type": "text/plain", allow: "POST" }).end("hookrelay listen relays POSTs from hookrelay to your app\n");
    return;
  }
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const delivery = {
    eventType: header("x-webhook-event") ?? "?",
    deliveryId: header("x-webhook-id") ?? "?",
    attempt: Number(header("x-webhook-attempt") ?? 1),
    probe: header("x-hookrelay-probe") !== undefined,
  };
  const label = `${delivery.eventType}  ${delivery.deliveryId}${delivery.attempt > 1 ? ` (attempt ${delivery.attempt})` : ""}${delivery.probe ? " (signature probe)" : ""}`;
  emit(`--> ${label}`, { type: "delivery", ...delivery });
  const outcome = await forward(forwardTo, { method: "POST", headers: req.headers, body }, FORWARD_TIMEOUT_MS);
  const answer = answerFor(outcome);
  emit(`<-- ${describeOutcome(outcome)}  ${delivery.deliveryId}`, {
    type: "forwarded",
    deliveryId: delivery.deliveryId,
    status: answer.status,
    ...(outcome.kind === "response" ? {} : { error: outcome.kind }),
    elapsedMs: outcome.elapsedMs,
  });
  res.writeHead(answer.status, answer.headers).end(answer.body);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function failRequest(res: ServerResponse, err: unknown, ctx: CommandContext): void {
  ctx.io.err(describeFailure(err, ctx.json));
  if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
  res.end("hookrelay listen failed on this request\n");
}

/** Keep-alive connections from hookrelay would hold `close()` open; nothing more is answered now. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
