import express, { type NextFunction, type Request, type Response, type Router } from "express";
import { AppError } from "../lib/errors";
import type { z } from "../lib/zod";
import { authenticate, type AuthDeps } from "./auth";
import { validationError } from "./errors";
import type { AnyRoute } from "./route";

/**
 * Mounts declared routes: authenticate → validate path, query and body with the route's
 * schemas → call the handler → send what it returns. Handlers never touch `res` for errors;
 * they throw AppError and src/http/errors.ts answers.
 */
export function mountRoutes(routes: AnyRoute[], deps: AuthDeps, defaultMaxBodyBytes: number): Router {
  const router = express.Router();
  for (const route of routes) {
    const json = express.json({
      limit: route.maxBodyBytes ?? defaultMaxBodyBytes,
      strict: false,
      type: ["application/json", "application/*+json"],
    });
    router[route.method](route.path, json, async (req: Request, res: Response, next: NextFunction) => {
      try {
        const principal = await authenticate(req, route.auth, deps);
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

function parse(schema: z.ZodType | undefined, value: unknown, where: "path" | "query" | "body"): never {
  if (!schema) return undefined as never;
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(where, result.error);
  return result.data as never;
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
  return parse(route.body, hasBody ? req.body : {}, "body");
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
