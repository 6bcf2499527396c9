import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type TextMapPropagator, type Tracer } from "@opentelemetry/api";
import { ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_URL_PATH } from "@opentelemetry/semantic-conventions";
import type { Request, RequestHandler, Response } from "express";
import { routeTemplateOf } from "../http/request-metrics";
import type { SpanParent } from "./tracing";

/** Where a request's span context waits for its handler (res.locals: per request, and typed nowhere else). */
const LOCALS_KEY = "hookrelayTraceContext";

/** Reads headers for the propagator: Node lower-cases incoming names; repeated ones come as arrays. */
const headerGetter = {
  keys: (carrier: Request["headers"]) => Object.keys(carrier),
  get: (carrier: Request["headers"], key: string) => carrier[key.toLowerCase()],
};

/** Probes and scrapes: a trace every few seconds each, telling nothing. */
const UNTRACED = new Set(["/healthz", "/readyz", "/metrics"]);

/**
 * A SERVER span per request (but probes and scrapes), named "<METHOD> <route template>" from the
 * route the router labelled it with (src/http/request-metrics.ts, as the metrics read it), or
 * just "<METHOD>" when nothing did, as the conventions say: the raw path would make a name per
 * id. An incoming `traceparent` (a product service emitting events inside a trace of its own)
 * is honoured: the request's span joins that trace. Installed only when tracing is on.
 */
export function requestSpans(tracer: Tracer, propagator: TextMapPropagator): RequestHandler {
  return (req, res, next) => {
    if (UNTRACED.has(req.path)) return next();
    const parent = propagator.extract(ROOT_CONTEXT, req.headers, headerGetter);
    const span = tracer.startSpan(
      req.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: req.method,
          // The path without its query (which may hold a portal link's token).
          [ATTR_URL_PATH]: req.path,
          // Set by pino-http (src/http/app.ts) from x-request-id, or made up; answered in x-request-id.
          "hookrelay.request.id": String(req.id ?? ""),
        },
      },
      parent,
    );
    res.locals[LOCALS_KEY] = trace.setSpan(parent, span);
    res.once("close", () => {
      const route = routeTemplateOf(res);
      if (route) {
        span.updateName(`${req.method} ${route}`);
        span.setAttribute(ATTR_HTTP_ROUTE, route);
      }
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
      // Server spans: a 4xx is the caller's doing, not an error of ours (HTTP conventions).
      if (res.statusCode >= 500) {
        span.setAttribute(ATTR_ERROR_TYPE, String(res.statusCode));
        span.setStatus({ code: SpanStatusCode.ERROR });
      } else if (!res.writableFinished) {
        // The client went away before the answer was sent.
        span.setAttribute(ATTR_ERROR_TYPE, "aborted");
      }
      span.end();
    });
    next();
  };
}

/** The span of the request `res` answers, for what the handler starts under it; undefined when tracing is off. */
export function requestTraceParent(res: Response): SpanParent | undefined {
  return res.locals[LOCALS_KEY] as Context | undefined;
}
