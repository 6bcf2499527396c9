import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { nowMs, summarize } from "./stats";
import type { ReceiverReply, ReceiverRequest, ReceiverStats } from "./receiver";

/**
 * The receiver process (forked by receiver.ts): plain node:http with keep-alive, two listening
 * ports (two origins, so a dead endpoint can sit on its own origin as it would in real life).
 * It answers the meta handshake, answers every POST 200 at once unless its path is set to
 * hang, and records each arrival under the event's bench tag, read from the body.
 */
interface TagLog {
  arrivals: number[];
  latencies: number[];
  paths: string[];
  ids: string[];
}

const logs = new Map<string, TagLog>();
let hangPaths = new Set<string>();
// Put first in every bench event's data, so a regex finds them without parsing the body.
const MARKER = /"benchTag":"([^"]*)","sentAt":([0-9.]+)/;

function record(path: string, id: string, body: string, at: number): void {
  const m = MARKER.exec(body);
  const tag = m?.[1] ?? "untagged";
  const sentAt = m ? Number(m[2]) : 0;
  let log = logs.get(tag);
  if (!log) logs.set(tag, (log = { arrivals: [], latencies: [], paths: [], ids: [] }));
  log.arrivals.push(at);
  log.latencies.push(sentAt > 0 ? at - sentAt : Number.NaN);
  log.paths.push(path);
  log.ids.push(id);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://receiver");
  if (req.method === "GET") {
    // The ownership handshake: echo the challenge.
    res.writeHead(200, { "content-type": "text/plain" }).end(url.searchParams.get("hub.challenge") ?? "");
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const at = nowMs();
    record(url.pathname, String(req.headers["x-webhook-id"] ?? ""), Buffer.concat(chunks).toString("utf8"), at);
    if (hangPaths.has(url.pathname)) return; // never answers: the sender's timeout ends it
    res.writeHead(200, { "content-type": "text/plain", "content-length": "2" }).end("ok");
  });
}

function stats(q: Extract<ReceiverRequest, { type: "stats" }>): ReceiverStats {
  const out: ReceiverStats = { requests: 0, unique: 0, duplicates: 0, firstAt: null, lastAt: null, inWindow: 0, latency: summarize([]) };
  const selected = q.tag === "*" ? [...logs.values()] : [logs.get(q.tag)].filter((l): l is TagLog => l !== undefined);
  const include = q.paths ? new Set(q.paths) : null;
  const exclude = new Set(q.excludePaths ?? []);
  const latencies: number[] = [];
  const seen = new Set<string>();
  let first = Infinity;
  let last = -Infinity;
  for (const log of selected) for (let i = 0; i < log.arrivals.length; i++) {
    const path = log.paths[i]!;
    if ((include && !include.has(path)) || exclude.has(path)) continue;
    const at = log.arrivals[i]!;
    out.requests++;
    seen.add(log.ids[i]!);
    first = Math.min(first, at);
    last = Math.max(last, at);
    if ((q.from === undefined || at >= q.from) && (q.to === undefined || at <= q.to)) out.inWindow++;
    const latency = log.latencies[i]!;
    if (!Number.isNaN(latency)) latencies.push(latency);
  }
  out.unique = seen.size;
  out.duplicates = out.requests - seen.size;
  out.firstAt = Number.isFinite(first) ? first : null;
  out.lastAt = Number.isFinite(last) ? last : null;
  out.latency = summarize(latencies);
  return out;
}

function reply(msg: ReceiverReply): void {
  process.send?.(msg);
}

process.on("message", (msg: ReceiverRequest) => {
  switch (msg.type) {
    case "configure":
      hangPaths = new Set(msg.hangPaths);
      reply({ type: "reply", id: msg.id, body: null });
      break;
    case "stats":
      reply({ type: "reply", id: msg.id, body: stats(msg) });
      break;
    case "forget":
      logs.delete(msg.tag);
      reply({ type: "reply", id: msg.id, body: null });
      break;
  }
});
process.on("disconnect", () => process.exit(0));

async function listen(): Promise<number> {
  const server = createServer(handle);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

void Promise.all([listen(), listen()]).then(([port, altPort]) => reply({ type: "ready", port, altPort }));
