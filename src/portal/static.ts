import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import express, { type Request, type Response, type Router } from "express";
import { projectRoot } from "../lib/project-root";

/**
 * Serves the built portal (`vite build` → dist/portal) under /portal, same origin as the API,
 * so the portal needs no CORS and no cookie: it calls the API with its session token.
 * Any /portal path that is not a file is a client-side route and gets index.html.
 */
export interface PortalStaticOptions {
  /** The built portal; found from the repository root when absent. */
  dir?: string;
  /** Origins whose pages may frame the portal (an iframe on the product's own dashboard). */
  frameAncestors: string[];
}

export function portalSecurityHeaders(frameAncestors: string[]): Record<string, string> {
  const ancestors = frameAncestors.length > 0 ? frameAncestors.join(" ") : "'none'";
  return {
    // No inline script and nothing from elsewhere: a token in this page must not be readable by
    // injected code. Inline styles carry the session's accent colour and the chart's bars.
    "Content-Security-Policy": [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      `frame-ancestors ${ancestors}`,
    ].join("; "),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
  };
}

export function defaultPortalDir(): string {
  return join(projectRoot(__dirname), "dist", "portal");
}

export function portalStatic(opts: PortalStaticOptions): Router {
  const dir = opts.dir ?? defaultPortalDir();
  const headers = portalSecurityHeaders(opts.frameAncestors);
  const router = express.Router();
  router.use((_req, res, next) => {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    next();
  });
  // Vite names assets by content hash: they never change under a name. One that is not there
  // (a page loaded before a rebuild) is a 404, not the SPA's index.
  router.use(
    "/assets",
    express.static(join(dir, "assets"), { immutable: true, maxAge: "365d", index: false }),
    (_req: Request, res: Response) => void res.status(404).type("text/plain").send("This portal file is gone (the portal was rebuilt): reload the page."),
  );
  router.use(express.static(dir, { index: false }));
  // Read again whenever the build changes it, so a rebuild needs no restart of the API.
  let index: { mtimeMs: number; html: string } | null = null;
  router.get(/.*/, (_req, res) => {
    const file = join(dir, "index.html");
    const mtimeMs = statSync(file, { throwIfNoEntry: false })?.mtimeMs;
    if (mtimeMs === undefined) {
      res.status(503).type("text/plain").send("The portal is not built: run `npm run build` (or `npm run up`), then reload.");
      return;
    }
    if (index?.mtimeMs !== mtimeMs) index = { mtimeMs, html: readFileSync(file, "utf8") };
    res.setHeader("Cache-Control", "no-cache");
    res.type("html").send(index.html);
  });
  return router;
}
