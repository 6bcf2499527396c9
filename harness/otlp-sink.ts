import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for an OpenTelemetry collector: POST /v1/traces (OTLP over HTTP, protobuf or
 * JSON) answered 200 with an empty ExportTraceServiceResponse, the body read and thrown away
 * after its spans are counted, so that a run can show tracing really exported what it
 * traced. It runs in the bench's process: its cost is the collector's, not hookrelay's.
 */
export interface OtlpSinkStats {
  requests: number;
  spans: number;
  bytes: number;
  /** Requests that were not a POST to /v1/traces, or whose body could not be read. */
  refused: number;
}

export interface OtlpSink {
  /** The base URL, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  stats(): OtlpSinkStats;
  close(): Promise<void>;
}

export async function startOtlpSink(): Promise<OtlpSink> {
  const stats: OtlpSinkStats = { requests: 0, spans: 0, bytes: 0, refused: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "POST" || (req.url ?? "").split("?", 1)[0] !== "/v1/traces") {
      stats.refused++;
      res.writeHead(404).end();
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const json = (req.headers["content-type"] ?? "").includes("json");
      const spans = json ? countJsonSpans(body) : countProtobufSpans(body);
      if (spans === null) stats.refused++;
      stats.requests++;
      stats.spans += spans ?? 0;
      stats.bytes += body.length;
      res.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" }).end(json ? "{}" : undefined);
    });
    req.on("error", () => stats.refused++);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => ({ ...stats }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** resourceSpans[].scopeSpans[].spans of an OTLP/JSON body; null when it is not one. */
export function countJsonSpans(body: Buffer): number | null {
  try {
    const parsed = JSON.parse(body.toString("utf8")) as { resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[] };
    let n = 0;
    for (const rs of parsed.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) n += ss.spans?.length ?? 0;
    return n;
  } catch {
    return null;
  }
}

/**
 * The spans of an ExportTraceServiceRequest in protobuf, counted without a schema: field 1 of
 * the request is each ResourceSpans, field 2 of that each ScopeSpans, field 2 of that each
 * Span (opentelemetry/proto/trace/v1/trace.proto). Null when the bytes are not well formed.
 */
export function countProtobufSpans(body: Buffer): number | null {
  try {
    let n = 0;
    for (const rs of lengthDelimited(body, 0, body.length, 1))
      for (const ss of lengthDelimited(body, rs[0], rs[1], 2)) n += lengthDelimited(body, ss[0], ss[1], 2).length;
    return n;
  } catch {
    return null;
  }
}

/** [start, end) of every length-delimited field `field` between `from` and `to`, other fields skipped. */
function lengthDelimited(buf: Buffer, from: number, to: number, field: number): [number, number][] {
  const found: [number, number][] = [];
  let at = from;
  const varint = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (at >= to) throw new Error("truncated varint");
      const byte = buf[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
      shift += 7;
      if (shift > 63) throw new Error("varint too long");
    }
  };
  while (at < to) {
    const key = varint();
    const wire = key % 8;
    const number = Math.floor(key / 8);
    if (wire === 0) varint();
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const len = varint();
      if (at + len > to) throw new Error("truncated field");
      if (number === field) found.push([at, at + len]);
      at += len;
    } else throw new Error(`wire type ${wire}`);
  }
  if (at !== to) throw new Error("field runs past its message");
  return found;
}
