import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig } from "@asteasolutions/zod-to-openapi";
import { CustomDialectOptions } from "../dialects/custom";
import { VERSION } from "../lib/version";
import { ErrorBody } from "./errors";
import { toOpenApiPath, type AnyRoute } from "./route";

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid input: bad JSON, unknown fields, wrong types. `details.issues` names each field.",
  401: "Missing or invalid API key.",
  403: "The key is valid but not allowed here (admin key on an account route, or the reverse).",
  404: "Not found, or not this account's.",
  405: "Method not allowed on this path.",
  409: "Conflicts with existing data.",
  413: "Request body too large.",
  415: "Request body is not JSON.",
  422: "Understood but refused: see `error.code` and `error.details`.",
  500: "Unexpected error; logged on our side.",
  503: "A dependency (Postgres, Redis) is unreachable.",
};

/** Built from the same route declarations the router validates with. */
export function buildOpenApiDocument(routes: AnyRoute[], serverUrl?: string) {
  const registry = new OpenAPIRegistry();
  registry.register("Error", ErrorBody);
  registry.register("CustomDialectOptions", CustomDialectOptions);
  const bearer = registry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "An account API key (`hr_…`) or, for admin routes, the operator's admin key.",
  });

  for (const route of routes) {
    const hasBody = route.method === "post" || route.method === "patch";
    const errorStatuses = new Set([400, 500, ...(route.auth === "public" ? [] : [401, 403]), ...(hasBody ? [413, 415] : []), ...route.errors]);
    const responses: Record<string, ResponseConfig> = {
      [route.success.status]: {
        description: route.success.description,
        ...(route.success.schema
          ? { content: { [route.success.contentType ?? "application/json"]: { schema: route.success.schema } } }
          : {}),
      },
    };
    for (const status of [...errorStatuses].sort()) {
      responses[status] = {
        description: ERROR_DESCRIPTIONS[status] ?? "Error",
        content: { "application/json": { schema: ErrorBody } },
      };
    }
    registry.registerPath({
      method: route.method,
      path: toOpenApiPath(route.path),
      tags: [route.tag],
      summary: route.summary,
      description: route.description,
      security: route.auth === "public" ? [] : [{ [bearer.name]: [] }],
      request: {
        params: route.params as never,
        query: route.query as never,
        body: route.body ? { required: true, content: { "application/json": { schema: route.body } } } : undefined,
      },
      responses,
    });
  }

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "hookrelay",
      version: VERSION,
      description:
        "Outbound webhooks: register endpoints (proved with a hub.challenge handshake), subscribe them to event types, and read what was delivered.",
    },
    servers: serverUrl ? [{ url: serverUrl }] : [],
  });
}
