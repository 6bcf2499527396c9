import type { Readiness } from "../../health/readiness";
import { AppError } from "../../lib/errors";
import { z } from "../../lib/zod";
import { defineRoute, type AnyRoute } from "../route";

const Health = z.object({ status: z.literal("ok") }).openapi("Health");
const Ready = z
  .object({ status: z.literal("ready"), checks: z.object({ postgres: z.string(), redis: z.string() }) })
  .openapi("Ready");

export function systemRoutes(deps: { readiness: () => Promise<Readiness>; openApiDocument: () => unknown }): AnyRoute[] {
  const tag = "System";
  return [
    defineRoute({
      method: "get",
      path: "/healthz",
      tag,
      summary: "Liveness: the process is up",
      auth: "public",
      success: { status: 200, description: "Up.", schema: Health },
      errors: [],
      handle: async () => ({ status: 200, body: { status: "ok" } }),
    }),
    defineRoute({
      method: "get",
      path: "/readyz",
      tag,
      summary: "Readiness: Postgres and Redis answer",
      auth: "public",
      success: { status: 200, description: "Ready to serve.", schema: Ready },
      errors: [503],
      handle: async () => {
        const r = await deps.readiness();
        if (!r.ready) throw new AppError(503, "not_ready", "a dependency is unreachable", { checks: r.checks });
        return { status: 200, body: { status: "ready", checks: r.checks } };
      },
    }),
    defineRoute({
      method: "get",
      path: "/openapi.json",
      tag,
      summary: "This API's OpenAPI 3.1 document",
      auth: "public",
      success: { status: 200, description: "The document, generated from the route schemas." },
      errors: [],
      handle: async () => ({ status: 200, body: deps.openApiDocument() }),
    }),
  ];
}
