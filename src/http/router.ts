import express, { type NextFunction, type Request, type Response, type Router } from "express";
import { AppError } from "../lib/errors";
import type { z } from "../lib/zod";
import type { Admit } from "../rate-limit/admission";
import { authenticate, type AuthDeps, type Principal } from "./auth";
import { validationError } from "./errors";
import type { AnyRoute } from "./route";
import { labelRoute } from "./request-metrics";
import { findJsonInputProblem, MAX_JSON_DEPTH, toWellFormedText } from "./json-input";

/**
 * Mounts declared routes: authenticate → rate limit → read the JSON body → validate path,
 * query and body with the route's schemas → call the handler → send what it returns.
 * Handlers never touch `res` for errors; they throw AppError and src/http/errors.ts answers.
 * The key is checked before the body is read, so neither a caller without a valid key nor one
 * over its limit makes us buffer and parse megabytes.
 */
export function mountRoutes(routes: AnyRoute[], deps: AuthDeps, defaultMaxBodyBytes: number, admit?: Admit): Router {
  const router = express.Router();
  for (const route of routes) {
    const json = express.json({
      limit: route.maxBodyBytes ?? defaultMaxBodyBytes,
      strict: false,
      type: ["application/json", "application/*+json"],
    });
    const admitted = async (req: Request, res: Response, next: NextFunction) => {
      // First, so that a 401, 429 or 400 is counted under the route it was refused for.
      labelRoute(res, route.path);
      try {
        const principal = await authenticate(req, route, deps);
        res.locals.principal = principal;
        if (admit) {
          const admission = await admit(principal, route.rateLimit ?? "api");
          for (const [name, value] of Object.entries(admission.headers)) res.setHeader(name, value);
          if (admission.refusal) throw admission.refusal;
        }
        next();
      } catch (err) {
        next(err);
      }
    };
    router[route.method](route.path, admitted, json, async (req: Request, res: Response, next: NextFunction) => {
      try {
        const principal = res.locals.principal as Principal;
        const params = parse(route.params, req.params, "path");
        const query = parse(route.query, req.query, "query");
        const body = parseBody(route, req);
        const out = await route.handle({ params, query, body, principal, req, res });
        for (const [name, value] of Object.entries(out.headers ?? {})) res.setHeader(name, value);
        if (out.body === undefined) res.status(out.status).end();
        else res.status(out.status).json(out.body);
      } catch (err) {
        next(err);
      }
    });
  }
  return router;
}

function parse(schema: z.ZodType | undefined, value: unknown, where: "path" | "query" | "body", opaqueFields?: readonly string[]): never {
  if (!schema) return undefined as never;
  requireAcceptableJson(value, where, opaqueFields);
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(where, result.error, value);
  return result.data as never;
}

const JSON_INPUT_MESSAGES = {
  ill_formed_text: { code: "invalid_text", message: "must be valid Unicode text without NUL characters" },
  too_deep: { code: "too_deep", message: `is nested deeper than ${MAX_JSON_DEPTH} levels` },
} as const;

/** Input the database, the serializer or receivers cannot take is refused like any other bad field. */
function requireAcceptableJson(value: unknown, where: "path" | "query" | "body", opaqueFields?: readonly string[]): void {
  const found = findJsonInputProblem(value, MAX_JSON_DEPTH, opaqueFields);
  if (!found) return;
  const path = found.path.length > 8 ? [...found.path.slice(0, 8), "…"] : found.path;
  const field = toWellFormedText([where, ...path].join("."));
  const { code, message } = JSON_INPUT_MESSAGES[found.problem];
  throw new AppError(400, "validation_failed", `${field}: ${message}`, { issues: [{ field, message, code }] });
}

function parseBody(route: AnyRoute, req: Request): never {
  const hasBody = req.body !== undefined;
  if (!route.body) {
    // Actions without input accept an empty body or `{}`, and nothing else: a stray field is
    // more likely a mistake than something we should silently ignore.
    if (hasBody && !(isPlainObject(req.body) && Object.keys(req.body).length === 0)) {
      throw new AppError(400, "validation_failed", "this route takes no request body");
    }
    return undefined as never;
  }
  // No body at all reads as `{}`: fine where every field is optional, and otherwise the
  // schema names each missing field.
  return parse(route.body, hasBody ? req.body : {}, "body", route.opaqueJsonFields);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
