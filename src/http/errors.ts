import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Logger } from "../lib/logger";
import { AppError } from "../lib/errors";
import { isDatabaseUnavailable } from "../lib/prisma-errors";
import { z } from "../lib/zod";

/**
 * The one place where failures become HTTP answers, all in one shape:
 * `{"error": {"code", "message", "details?"}}`. AppErrors are expected and answered as they
 * say; body-parser's errors are the client's; anything else is a bug, logged with its stack
 * and answered as a bare 500 that reveals nothing.
 */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "validation_failed" }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi("Error");

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/**
 * Errors raised by express.json() are the client's fault. Most carry a `type` and a status; a
 * body that does not inflate (Content-Encoding: gzip over bytes that are not) is a bare
 * http-error, 400 and `expose`, with the zlib error's code.
 */
interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
  code?: string;
}

function isBodyParserError(err: unknown): err is BodyParserError {
  if (typeof err !== "object" || err === null) return false;
  const e = err as { type?: unknown; status?: unknown; expose?: unknown };
  if (typeof e.type === "string" && "status" in e) return true;
  return e.expose === true && typeof e.status === "number" && e.status >= 400 && e.status < 500;
}

function fromBodyParser(err: BodyParserError): AppError {
  switch (err.type) {
    case "entity.parse.failed":
      return new AppError(400, "invalid_json", "the request body is not valid JSON");
    case "entity.too.large":
      return new AppError(413, "payload_too_large", `the request body is larger than ${err.limit ?? "the limit of"} bytes`);
    case "encoding.unsupported":
    case "charset.unsupported":
      return new AppError(415, "unsupported_media_type", "the request body must be UTF-8 JSON");
    case "request.aborted":
    case "request.size.invalid":
      return new AppError(400, "bad_request", "the request body was incomplete");
    default:
      if (err.code?.startsWith("Z_")) return new AppError(400, "bad_request", "the request body is not valid data for its Content-Encoding");
      return new AppError(err.status && err.status < 500 ? err.status : 400, "bad_request", "the request body could not be read");
  }
}

/**
 * Express decodes path parameters with decodeURIComponent and passes its URIError on (with
 * `status: 400`): `/v1/webhooks/%FF` is the client's malformed path, not our bug.
 */
function isUndecodablePath(err: unknown): boolean {
  return err instanceof URIError && (err as URIError & { status?: number }).status === 400;
}

function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  if (isBodyParserError(err)) return fromBodyParser(err);
  if (isUndecodablePath(err)) return new AppError(400, "invalid_path", "the request path is not valid percent-encoded UTF-8");
  // Postgres restarting is an outage, not a bug: the client should retry (with its idempotency key).
  if (isDatabaseUnavailable(err)) return new AppError(503, "service_unavailable", "the database is unavailable; retry shortly (with the same idempotency key)");
  return null;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appError = toAppError(err);
    if (appError) {
      if (appError.status >= 500) logger.warn({ err, path: req.path }, appError.message);
      res.status(appError.status).json(errorBody(appError.code, appError.message, appError.details));
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, "unhandled error");
    if (res.headersSent) return;
    res.status(500).json(errorBody("internal_error", "something went wrong on our side; it has been logged"));
  };
}

export function notFoundHandler(allowedMethods: (path: string) => string[]): RequestHandler {
  return (req, res) => {
    const allowed = allowedMethods(req.path);
    if (allowed.length > 0) {
      res.setHeader("Allow", allowed.join(", "));
      res.status(405).json(errorBody("method_not_allowed", `${req.method} is not allowed here; use ${allowed.join(" or ")}`));
      return;
    }
    res.status(404).json(errorBody("route_not_found", `no route for ${req.method} ${req.path}`));
  };
}

/** What a client needs to word an issue itself (in its user's language): the limits, never the input. */
export type IssueParams = Record<string, string | number | boolean | string[]>;

/** The value at `path` inside `input`, or undefined. */
function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v = input;
  for (const key of path) v = v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

function paramsOf(i: z.core.$ZodIssue, input: unknown): IssueParams | undefined {
  switch (i.code) {
    case "too_small":
      return { origin: i.origin, minimum: Number(i.minimum) };
    case "too_big":
      return { origin: i.origin, maximum: Number(i.maximum) };
    case "invalid_type":
      return { expected: i.expected, missing: valueAt(input, i.path) === undefined };
    case "invalid_format":
      return { format: i.format };
    case "invalid_value":
      return { values: i.values.map(String) };
    case "custom": {
      // Our own checks name their reason (src/webhooks/url-policy.ts): `{reason, …}`.
      const params = (i as { params?: Record<string, unknown> }).params;
      if (!params) return undefined;
      return Object.fromEntries(Object.entries(params).filter(([, v]) => ["string", "number", "boolean"].includes(typeof v))) as IssueParams;
    }
    default:
      return undefined;
  }
}

/**
 * zod issues → one message naming every offending field, plus the issues as details: each with
 * its field, an English message, zod's code and, where there is one, `params` (limits, the
 * expected format, a reason) so a client such as the portal can say it in another language.
 */
export function validationError(where: "body" | "query" | "path", error: z.ZodError, input?: unknown): AppError {
  const issues = error.issues.flatMap((i): { field: string; message: string; code: string; params?: IssueParams }[] => {
    const at = [where, ...i.path.map(String)];
    if (i.code === "unrecognized_keys") {
      return i.keys.map((key) => ({ field: [...at, key].join("."), message: "unknown field", code: i.code }));
    }
    const params = paramsOf(i, input);
    return [{ field: at.join("."), message: i.message, code: i.code, ...(params ? { params } : {}) }];
  });
  const summary = issues
    .slice(0, 5)
    .map((i) => `${i.field}: ${i.message}`)
    .join("; ");
  return new AppError(400, "validation_failed", summary || `invalid ${where}`, { issues });
}
