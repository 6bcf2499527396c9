import { once } from "node:events";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** One span as a test reads it: ids in hex, attributes as plain values, the service that sent it. */
export interface CollectedSpan {
  traceId: string;
  spanId: string;
  /** Undefined for a trace's root. */
  parentSpanId: string | undefined;
  name: string;
  /** OTLP's numbering: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, unknown>;
  /** OTLP's numbering: 0 unset, 1 ok, 2 error. */
  status: { code: number; message?: string };
  service: unknown;
  startMs: number;
  endMs: number;
}

export interface OtlpCollector {
  /** The base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it (spans go to <url>/v1/traces). */
  url: string;
  /** Every export request as it came: path, headers and raw body. */
  requests: { path: string; headers: IncomingHttpHeaders; body: Buffer; answered: number }[];
  /** The spans of every JSON export so far. */
  spans(): CollectedSpan[];
  close(): Promise<void>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpKeyValue {
  key: string;
  value: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: OtlpKeyValue[];
  status?: { code?: number; message?: string };
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
}
interface OtlpExport {
  resourceSpans?: { resource?: { attributes?: OtlpKeyValue[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}

function plain(v: OtlpValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(plain);
  return undefined;
}
const attributesOf = (kvs: OtlpKeyValue[] = []) => Object.fromEntries(kvs.map((kv) => [kv.key, plain(kv.value)]));

/**
 * An OTLP/HTTP collector on a free loopback port: takes POST /v1/traces (JSON or protobuf),
 * keeps each request, answers 200 (or as `answer` says for the n-th request, 1-based). Only
 * JSON bodies are decoded into spans, and only those of requests answered 2xx.
 */
export async function startOtlpCollector(opts: { answer?: (n: number) => { status: number; headers?: Record<string, string> } } = {}): Promise<OtlpCollector> {
  const requests: OtlpCollector["requests"] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/traces") {
        res.writeHead(404).end();
        return;
      }
      const json = req.headers["content-type"]?.includes("json");
      const answer = opts.answer?.(requests.length + 1) ?? { status: 200 };
      requests.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks), answered: answer.status });
      res.writeHead(answer.status, { "content-type": json ? "application/json" : "application/x-protobuf", ...answer.headers }).end(json ? "{}" : "");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    spans: () =>
      requests
        .filter((r) => r.headers["content-type"]?.includes("json") && r.answered < 300)
        .flatMap((r) =>
          ((JSON.parse(r.body.toString("utf8")) as OtlpExport).resourceSpans ?? []).flatMap((rs) => {
            const service = attributesOf(rs.resource?.attributes)["service.name"];
            return (rs.scopeSpans ?? []).flatMap((ss) =>
              (ss.spans ?? []).map((s) => ({
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId || undefined,
                name: s.name,
                kind: s.kind,
                attributes: attributesOf(s.attributes),
                status: { code: s.status?.code ?? 0, ...(s.status?.message ? { message: s.status.message } : {}) },
                service,
                startMs: Number(BigInt(s.startTimeUnixNano) / 1_000_000n),
                endMs: Number(BigInt(s.endTimeUnixNano) / 1_000_000n),
              })),
            );
          }),
        ),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
