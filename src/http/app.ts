import { randomUUID } from "node:crypto";
import express, { type Express, type RequestHandler, type Router } from "express";
import { pinoHttp } from "pino-http";
import type { Logger } from "../lib/logger";
import { AppError } from "../lib/errors";
import type { Admit } from "../rate-limit/admission";
import type { AuthDeps } from "./auth";
import { errorHandler, notFoundHandler } from "./errors";
import { labelledAs, recordRequests } from "./request-metrics";
import type { Metrics } from "../metrics/metrics";
import { mountRoutes } from "./router";
import type { AnyRoute } from "./route";

export interface AppDeps {
  routes: AnyRoute[];
  auth: AuthDeps;
  logger: Logger;
  maxRequestBytes: number;
  /** Per-key rate limits; none when absent. */
  admit?: Admit;
  /** The customer portal's pages, served under /portal. */
  portal?: Router;
  /** Requests are counted and timed (src/metrics/) when given. */
  metrics?: Metrics;
  /** GET /metrics on the API's own port (HOOKRELAY_METRICS_ON_API), unauthenticated: the operator asked for it. */
  metricsEndpoint?: RequestHandler;
  /** Opens each request's trace span (src/tracing/http-server.ts); absent when tracing is off. */
  requestSpans?: RequestHandler | null;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  if (deps.metrics) app.use(recordRequests(deps.metrics, deps.routes.map((r) => r.path)));

  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const id = (req.headers["x-request-id"] as string | undefined)?.slice(0, 100) || randomUUID();
        res.setHeader("x-request-id", id);
        return id;
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? "error" : res.statusCode >= 400 ? "info" : "debug"),
      serializers: {
        req: (req: { method: string; url: string; id: string }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  // After pino-http, whose request id the span carries.
  if (deps.requestSpans) app.use(deps.requestSpans);
  if (deps.metricsEndpoint) app.get("/metrics", labelledAs("/metrics"), deps.metricsEndpoint);
  // Every page and asset of the portal is one route: its file names are not worth a series each.
  if (deps.portal) app.use("/portal", labelledAs("/portal"), deps.portal);
  app.use(requireJsonBodies);
  app.use(mountRoutes(deps.routes, deps.auth, deps.maxRequestBytes, deps.admit));
  app.use(notFoundHandler(allowedMethodsFor(deps.routes)));
  app.use(errorHandler(deps.logger));
  return app;
}

/** A body that is not JSON is refused up front, rather than read as "no body". */
const requireJsonBodies: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.headers["content-length"] ?? 0) > 0 || req.headers["transfer-encoding"] !== undefined;
  if (hasBody && !req.is(["application/json", "application/*+json"])) {
    next(new AppError(415, "unsupported_media_type", "send the request body as JSON with Content-Type: application/json"));
    return;
  }
  next();
};

/** For 405 answers: which methods a path would accept. */
function allowedMethodsFor(routes: AnyRoute[]): (path: string) => string[] {
  const patterns = routes.map((r) => ({
    method: r.method.toUpperCase(),
    regex: new RegExp(`^${r.path.replace(/:[A-Za-z0-9_]+/g, "[^/]+")}/?$`),
  }));
  return (path) => [...new Set(patterns.filter((p) => p.regex.test(path)).map((p) => p.method))];
}
