import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { nowMs, summarize } from "./stats";
import type { Answer, Arrivals, Behaviour, ReceiverReply, ReceiverRequest, ReceiverStats } from "./receiver";

/**
 * The receiver process (started by receiver.ts): plain node:http with keep-alive, listening on
 * several ports (several origins, so a dead or slow endpoint can sit on its own origin as it
 * would in real life). It answers the meta handshake, answers every POST as its path's
 * behaviour says (200 at once by default), and records each arrival under the event's tag,
 * read from the body, with its delivery id and whether a 2xx answer actually went out.
 */
interface TagLog {
  arrivals: number[];
  latencies: number[];
  /** Arrival minus the envelope's createdAt (when the API stored the event), ms. */
  sinceStored: number[];
  paths: string[];
  ids: string[];
  seqs: number[];
  /** 1 once a 2xx status line was written to a live socket, else 0. */
  accepted: number[];
  /** The sender's address: which host of a multi-host run sent it. */
  from: string[];
}

const logs = new Map<string, TagLog>();
let behaviours = new Map<string, Behaviour>();
/** Delivery ids already answered per path, for `first` behaviours. */
const seenIds = new Map<string, Set<string>>();
let started = Date.now();
// Put first in every harness event's data, so a regex finds them without parsing the body.
const MARKER = /"benchTag":"([^"]*)","sentAt":([0-9.]+)(?:,"seq":(\d+))?/;
// The envelope's own time of the event, before its data (the default dialect's shape).
const CREATED = /"createdAt":"([^"]+)","data":/;

function record(path: string, id: string, from: string, body: string, at: number): { log: TagLog; index: number } {
  const m = MARKER.exec(body);
  const tag = m?.[1] ?? "untagged";
  const sentAt = m ? Number(m[2]) : 0;
  let log = logs.get(tag);
  if (!log) logs.set(tag, (log = { arrivals: [], latencies: [], sinceStored: [], paths: [], ids: [], seqs: [], accepted: [], from: [] }));
  log.arrivals.push(at);
  log.latencies.push(sentAt > 0 ? at - sentAt : Number.NaN);
  const created = CREATED.exec(body);
  log.sinceStored.push(sentAt > 0 && created ? at - Date.parse(created[1]!) : Number.NaN);
  log.paths.push(path);
  log.ids.push(id);
  log.seqs.push(m?.[3] !== undefined ? Number(m[3]) : -1);
  log.accepted.push(0);
  log.from.push(from);
  return { log, index: log.ids.length - 1 };
}

/** The answer for this request: the path's `first` for a delivery id not seen before, else `then`. */
function answerFor(path: string, id: string): Answer {
  const b = behaviours.get(path);
  if (!b) return { kind: "status", status: 200 };
  if (b.first) {
    let seen = seenIds.get(path);
    if (!seen) seenIds.set(path, (seen = new Set()));
    if (!seen.has(id)) {
      seen.add(id);
      return b.first;
    }
  }
  return b.then;
}

function answer(a: Answer, req: IncomingMessage, res: ServerResponse, accept: () => void): void {
  const end = (status: number, headers: Record<string, string> = {}) => {
    const body = status === 200 ? "ok" : `status ${status}`;
    res.writeHead(status, { "content-type": "text/plain", "content-length": String(body.length), ...headers });
    // The callback runs only once the answer is written: an aborted exchange accepts nothing.
    res.end(body, () => {
      if (status >= 200 && status < 300) accept();
    });
  };
  switch (a.kind) {
    case "status":
      return end(a.status, a.headers);
    case "slow": {
      const timer = setTimeout(() => {
        if (!res.destroyed) end(a.status ?? 200);
      }, a.delayMs);
      res.on("close", () => clearTimeout(timer));
      return;
    }
    case "hang":
      return; // never answers: the sender's timeout ends it
    case "cut": {
      // Promises a body and dies part-way through it.
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      res.write('{"ok":true,"padding":"', () => req.socket.destroy());
      return;
    }
    case "huge":
      return streamHuge(a.bytes, res, accept);
    case "flap": {
      // Down for `downMs`, then up for `upMs`, over and over.
      const phase = (Date.now() - started) % (a.downMs + a.upMs);
      return end(phase < a.downMs ? 500 : 200);
    }
  }
}

/** `bytes` of body, written as fast as the client reads it and no further once it hangs up. */
function streamHuge(bytes: number, res: ServerResponse, accept: () => void): void {
  const chunk = Buffer.alloc(64 * 1024, "x");
  let left = bytes;
  let first = true;
  res.writeHead(200, { "content-type": "text/plain", "content-length": String(bytes) });
  const pump = () => {
    while (left > 0 && !res.destroyed) {
      const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
      left -= part.length;
      const more = res.write(part, first ? (err) => !err && accept() : undefined);
      first = false;
      if (!more) return void res.once("drain", pump);
    }
    if (left === 0) res.end();
  };
  pump();
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
    const id = String(req.headers["x-webhook-id"] ?? "");
    const { log, index } = record(url.pathname, id, req.socket.remoteAddress ?? "", Buffer.concat(chunks).toString("utf8"), at);
    answer(answerFor(url.pathname, id), req, res, () => {
      log.accepted[index] = 1;
    });
  });
}

function stats(q: Extract<ReceiverRequest, { type: "stats" }>): ReceiverStats {
  const out: ReceiverStats = { requests: 0, unique: 0, duplicates: 0, firstAt: null, lastAt: null, inWindow: 0, latency: summarize([]), sinceStored: summarize([]) };
  const selected = q.tag === "*" ? [...logs.values()] : [logs.get(q.tag)].filter((l): l is TagLog => l !== undefined);
  const include = q.paths ? new Set(q.paths) : null;
  const exclude = new Set(q.excludePaths ?? []);
  const latencies: number[] = [];
  const sinceStored: number[] = [];
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
    const stored = log.sinceStored[i]!;
    if (!Number.isNaN(stored)) sinceStored.push(stored);
  }
  out.unique = seen.size;
  out.duplicates = out.requests - seen.size;
  out.firstAt = Number.isFinite(first) ? first : null;
  out.lastAt = Number.isFinite(last) ? last : null;
  out.latency = summarize(latencies);
  out.sinceStored = summarize(sinceStored);
  return out;
}

function arrivals(tag: string): Arrivals {
  const log = logs.get(tag);
  if (!log) return { at: [], paths: [], ids: [], seqs: [], accepted: [], from: [] };
  return { at: log.arrivals, paths: log.paths, ids: log.ids, seqs: log.seqs, accepted: log.accepted, from: log.from };
}

function reply(msg: ReceiverReply): void {
  process.send?.(msg);
}

process.on("message", (msg: ReceiverRequest) => {
  switch (msg.type) {
    case "configure":
      behaviours = new Map(Object.entries(msg.behaviours));
      seenIds.clear();
      started = Date.now();
      reply({ type: "reply", id: msg.id, body: null });
      break;
    case "stats":
      reply({ type: "reply", id: msg.id, body: stats(msg) });
      break;
    case "arrivals":
      reply({ type: "reply", id: msg.id, body: arrivals(msg.tag) });
      break;
    case "forget":
      logs.delete(msg.tag);
      reply({ type: "reply", id: msg.id, body: null });
      break;
  }
});
process.on("disconnect", () => process.exit(0));

// Loopback unless told otherwise: a multi-host run (harness/hosts.ts) gives it its host's address.
const host = process.argv[3] ?? "127.0.0.1";

async function listen(): Promise<number> {
  const server = createServer(handle);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

const origins = Math.max(2, Number(process.argv[2] ?? 2));
void Promise.all(Array.from({ length: origins }, listen)).then((ports) => reply({ type: "ready", ports }));
