import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A page on another site: a tiny HTTP server on loopback, reached as http://localhost:<port>
 * while the API is http://127.0.0.1:<port>, so the two differ in host and the browser treats
 * them as different sites (a frame of one inside the other is third-party).
 */
export interface OtherSite {
  /** http://localhost:<port> */
  origin: string;
  /** Serves `html` at `path` (replacing what was there). */
  page(path: string, html: string): string;
  /** Requests it received, for a test that needs to know what the browser sent. */
  requests: { method: string; url: string; headers: IncomingMessage["headers"] }[];
  close(): Promise<void>;
}

export async function startOtherSite(): Promise<OtherSite> {
  const pages = new Map<string, string>();
  const requests: OtherSite["requests"] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    const html = pages.get(path);
    if (html === undefined) return void res.writeHead(404, { "content-type": "text/plain" }).end("no such page");
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(html);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    requests,
    page(path, html) {
      pages.set(path, html);
      return `${origin}${path}`;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A product's dashboard page that frames `src`, titled so axe and a reader know what it is. */
export function dashboardFraming(src: string, title = "Product dashboard"): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body><main><h1>${title}</h1>
<iframe id="portal" title="Webhooks" src="${src.replace(/"/g, "&quot;")}" style="width:1200px;height:760px;border:0"></iframe>
</main></body></html>`;
}
