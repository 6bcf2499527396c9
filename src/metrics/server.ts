import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../lib/logger";
import type { MetricsRuntime } from "./registry";

export interface MetricsServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Answers one scrape: the registry's text with its content type. A failure to render (a bug)
 * is a bare 500 that Prometheus records as a failed scrape; a down dependency is not a failure
 * (its gauges say so).
 */
export async function answerScrape(runtime: Pick<MetricsRuntime, "scrape">, res: ServerResponse, logger: Logger, head = false): Promise<void> {
  try {
    const { contentType, body } = await runtime.scrape();
    res.writeHead(200, { "content-type": contentType, "content-length": Buffer.byteLength(body), "cache-control": "no-store" });
    res.end(head ? undefined : body);
  } catch (err) {
    logger.error({ err }, "metrics scrape failed");
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
    res.end("metrics could not be rendered\n");
  }
}

/**
 * The metrics listener: GET /metrics and nothing else, on the operator's port (not the API's,
 * so it can stay on a private interface). Plain node:http: no routing, auth or body to read.
 */
export async function startMetricsServer(runtime: Pick<MetricsRuntime, "scrape">, opts: { host: string; port: number; logger: Logger }): Promise<MetricsServer> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?", 1)[0];
    if (path === "/metrics" && (req.method === "GET" || req.method === "HEAD")) {
      void answerScrape(runtime, res, opts.logger, req.method === "HEAD");
      return;
    }
    res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found: metrics are at GET /metrics\n");
  });
  server.listen(opts.port, opts.host);
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  let stopping: Promise<void> | null = null;
  return {
    url: `http://${host}:${port}/metrics`,
    port,
    // Scrapers keep their connections alive between scrapes: drop them, or close() waits.
    stop: () =>
      (stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
