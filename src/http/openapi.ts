import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig } from "@asteasolutions/zod-to-openapi";
import { SCOPE_DESCRIPTIONS, SCOPES } from "../access/scopes";
import { CustomDialectOptions } from "../dialects/custom";
import { VERSION } from "../lib/version";
import { ErrorBody } from "./errors";
import { toOpenApiPath, type AnyRoute } from "./route";

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid input: bad JSON, unknown fields, wrong types. `details.issues` names each field.",
  401: "Missing or invalid API key, or a portal session that is not valid, has ended (`portal_session_ended`) or expired (`portal_session_expired`).",
  403: "The key is valid but not allowed here: the admin key on an account route or the reverse, a portal session on a route for API keys, a read-only portal session on a change (`read_only_session`), or an account key without the scope the operation needs (`insufficient_scope`, with `details.requiredScope`).",
  404: "Not found, or not this account's.",
  405: "Method not allowed on this path.",
  409: "Conflicts with existing data.",
  413: "Request body too large.",
  415: "Request body is not JSON.",
  422: "Understood but refused: see `error.code` and `error.details`.",
  429: "This API key is over its rate limit; retry after `Retry-After` seconds.",
  500: "Unexpected error; logged on our side.",
  503: "A dependency (Postgres, Redis) is unreachable.",
};

/** Sent with every answer to a request made with a key (when Redis could count it). */
const RATE_LIMIT_HEADERS = {
  "RateLimit-Limit": { description: "Requests this key may make at once (its bucket).", schema: { type: "integer" as const } },
  "RateLimit-Remaining": { description: "Requests it may still make right now.", schema: { type: "integer" as const } },
  "RateLimit-Reset": { description: "Seconds until the bucket is full again.", schema: { type: "integer" as const } },
  "RateLimit-Policy": { description: "`<limit>;w=<seconds>`: the bucket and how long it takes to refill.", schema: { type: "string" as const } },
};
const RETRY_AFTER = { "Retry-After": { description: "Seconds to wait before trying again.", schema: { type: "integer" as const } } };

function portalNote(route: AnyRoute): string | undefined {
  if (!route.portal || route.auth === "portal") return undefined;
  return route.portal === "read" ? "Portal sessions: any (read-only ones too)." : "Portal sessions: only those with `manage` access; read-only ones get 403 `read_only_session`.";
}

function scopeNote(route: AnyRoute): string | undefined {
  if (!route.scope) return undefined;
  const admin = route.auth === "account-or-admin" ? " (the admin key is not scoped)" : "";
  const full = route.scope === "*" ? " (full access)" : "";
  return `Account keys need the scope \`${route.scope}\`${full}${admin}; without it: 403 \`insufficient_scope\`.`;
}

const SCOPE_LIST = SCOPES.map((s) => `\`${s}\`: ${SCOPE_DESCRIPTIONS[s]}`).join(" ");

/** Built from the same route declarations the router validates with. */
export function buildOpenApiDocument(routes: AnyRoute[], serverUrl?: string) {
  const registry = new OpenAPIRegistry();
  registry.register("Error", ErrorBody);
  registry.register("CustomDialectOptions", CustomDialectOptions);
  const bearer = registry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description:
      "An account API key (`hr_…`), for admin routes the operator's admin key, or a portal session token (`hrps_…`, from POST /v1/portal/session/exchange) on the routes whose `x-portal-access` says so. " +
      `An account key carries scopes; each operation names the one it needs in its security requirement and in \`x-required-scope\`. ${SCOPE_LIST}`,
  });

  for (const route of routes) {
    const limited = route.auth !== "public";
    // 413 and 415 on every route: a GET can carry a body too, and it is refused the same way.
    // A key is checked against Postgres: with Postgres down, any route with a key answers 503.
    const errorStatuses = new Set([400, 413, 415, 500, ...(limited ? [401, 403, 429, 503] : []), ...route.errors]);
    const responses: Record<string, ResponseConfig> = {
      [route.success.status]: {
        description: route.success.description,
        ...(limited ? { headers: RATE_LIMIT_HEADERS } : {}),
        ...(route.success.schema
          ? { content: { [route.success.contentType ?? "application/json"]: { schema: route.success.schema } } }
          : {}),
      },
    };
    for (const other of route.alsoSucceeds ?? []) {
      responses[other.status] = {
        description: other.description,
        ...(limited ? { headers: RATE_LIMIT_HEADERS } : {}),
        ...(other.schema ? { content: { "application/json": { schema: other.schema } } } : {}),
      };
    }
    for (const status of [...errorStatuses].sort()) {
      responses[status] = {
        description: ERROR_DESCRIPTIONS[status] ?? "Error",
        ...(status === 429 ? { headers: { ...RETRY_AFTER, ...RATE_LIMIT_HEADERS } } : {}),
        content: { "application/json": { schema: ErrorBody } },
      };
    }
    registry.registerPath({
      method: route.method,
      path: toOpenApiPath(route.path),
      tags: [route.tag],
      summary: route.summary,
      description: [route.description, scopeNote(route), portalNote(route)].filter(Boolean).join("\n\n") || undefined,
      ...(route.portal ? { "x-portal-access": route.portal } : {}),
      ...(route.scope ? { "x-required-scope": route.scope } : {}),
      // OpenAPI 3.1 lets a non-OAuth scheme list the roles it needs: here, the key's scope.
      security: route.auth === "public" ? [] : [{ [bearer.name]: route.scope ? [route.scope] : [] }],
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
