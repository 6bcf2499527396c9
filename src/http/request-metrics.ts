import type { RequestHandler, Response } from "express";
import { routeMatcher } from "../metrics/labels";
import type { Metrics } from "../metrics/metrics";

/**
 * The route template a response answered for, as declared (`/v1/webhooks/:id`), set by whoever
 * routes the request (src/http/router.ts, the portal mount): never the raw path, whose ids
 * would make a series per resource. The metrics label requests with it and the tracing names
 * request spans with it.
 */
export function labelRoute(res: Response, template: string): void {
  res.locals.routeTemplate = template;
}

/** A middleware that labels every response it sees as `template` (a mount point whose paths are one route). */
export function labelledAs(template: string): RequestHandler {
  return (_req, res, next) => {
    labelRoute(res, template);
    next();
  };
}

export function routeTemplateOf(res: Response): string | undefined {
  return res.locals.routeTemplate as string | undefined;
}

/**
 * Records every API request once it is answered: route template, method, status, duration.
 * First in the chain, so it times everything after it. A response nothing labelled is a 404
 * ("unmatched") or was refused before routing (a 405, a 415): only those pay for matching the
 * path against the templates.
 */
export function recordRequests(metrics: Metrics, templates: readonly string[]): RequestHandler {
  const match = routeMatcher(templates);
  return (req, res, next) => {
    const started = performance.now();
    res.once("finish", () => {
      const route = routeTemplateOf(res) ?? (res.statusCode === 404 ? "unmatched" : match(req.originalUrl.split("?", 1)[0]!));
      metrics.httpRequest(route, req.method, res.statusCode, (performance.now() - started) / 1_000);
    });
    next();
  };
}
