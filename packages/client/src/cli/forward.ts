import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from "node:http";
import https from "node:https";

/**
 * `listen`'s relay to the local app: the delivery as received (headers and the exact body
 * bytes, never re-serialized, or the app's signature check fails), and the app's answer back to
 * hookrelay, so retries and failure counting behave as they would against the app itself.
 */

/** Headers about this hop, not the request: the outgoing connection makes its own. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization", "proxy-connection", "host"]);

export function forwardedHeaders(incoming: IncomingHttpHeaders, target: URL): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  out.host = target.host;
  return out;
}

export type ForwardOutcome =
  | { kind: "response"; status: number; contentType: string | undefined; body: Buffer; elapsedMs: number }
  | { kind: "unreachable"; message: string; elapsedMs: number }
  | { kind: "timeout"; timeoutMs: number; elapsedMs: number };

/** What the answer to hookrelay is: the app's, or a gateway error when there was none. */
export function answerFor(o: ForwardOutcome): { status: number; headers: Record<string, string>; body: Buffer | string } {
  switch (o.kind) {
    case "response":
      return { status: o.status, headers: o.contentType ? { "content-type": o.contentType } : {}, body: o.body };
    case "unreachable":
      return { status: 502, headers: { "content-type": "text/plain" }, body: `hookrelay listen: the local app is unreachable (${o.message})` };
    case "timeout":
      return { status: 504, headers: { "content-type": "text/plain" }, body: `hookrelay listen: the local app did not answer within ${o.timeoutMs} ms` };
  }
}

/** The app's part of a `listen` line: `200 (12 ms)`, `502 unreachable: ECONNREFUSED (1 ms)`. */
export function describeOutcome(o: ForwardOutcome): string {
  switch (o.kind) {
    case "response":
      return `${o.status} (${o.elapsedMs} ms)`;
    case "unreachable":
      return `502 app unreachable: ${o.message} (${o.elapsedMs} ms)`;
    case "timeout":
      return `504 app did not answer within ${o.timeoutMs} ms`;
  }
}

/** Bytes of the app's answer passed back; hookrelay keeps only the first few KiB of it anyway. */
const MAX_ANSWER_BYTES = 256 * 1024;

export function forward(target: URL, req: { method: string; headers: IncomingHttpHeaders; body: Buffer }, timeoutMs: number): Promise<ForwardOutcome> {
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  const client = target.protocol === "https:" ? https : http;
  return new Promise((resolve) => {
    const outgoing = client.request(target, { method: req.method, headers: forwardedHeaders(req.headers, target), timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        if (size < MAX_ANSWER_BYTES) chunks.push(c);
        size += c.length;
      });
      res.on("end", () =>
        resolve({ kind: "response", status: res.statusCode ?? 502, contentType: res.headers["content-type"], body: Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES), elapsedMs: elapsed() }),
      );
      res.on("error", (err) => resolve({ kind: "unreachable", message: err.message, elapsedMs: elapsed() }));
    });
    outgoing.on("timeout", () => {
      outgoing.destroy();
      resolve({ kind: "timeout", timeoutMs, elapsedMs: elapsed() });
    });
    outgoing.on("error", (err: NodeJS.ErrnoException) => resolve({ kind: "unreachable", message: err.code ?? err.message, elapsedMs: elapsed() }));
    outgoing.end(req.body);
  });
}
