import type { ErrorRequestHandler, RequestHandler } from "express";
import type { Logger } from "../lib/logger";
import { AppError } from "../lib/errors";
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

/** Errors raised by express.json() carry a `type` and a status; they are the client's fault. */
interface BodyParserError {
  type: string;
  status?: number;
  limit?: number;
}

function isBodyParserError(err: unknown): err is BodyParserError {
  return typeof err === "object" && err !== null && typeof (err as { type?: unknown }).type === "string" && "status" in err;
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
      return new AppError(err.status && err.status < 500 ? err.status : 400, "bad_request", "the request body could not be read");
  }
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appError = err instanceof AppError ? err : isBodyParserError(err) ? fromBodyParser(err) : null;
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

/** zod issues → one message naming every offending field, plus the issues as details. */
export function validationError(where: "body" | "query" | "path", error: z.ZodError): AppError {
  const issues = error.issues.flatMap((i): { field: string; message: string; code: string }[] => {
    const at = [where, ...i.path.map(String)];
    if (i.code === "unrecognized_keys") {
      return i.keys.map((key) => ({ field: [...at, key].join("."), message: "unknown field", code: i.code }));
    }
    return [{ field: at.join("."), message: i.message, code: i.code }];
  });
  const summary = issues
    .slice(0, 5)
    .map((i) => `${i.field}: ${i.message}`)
    .join("; ");
  return new AppError(400, "validation_failed", summary || `invalid ${where}`, { issues });
}
