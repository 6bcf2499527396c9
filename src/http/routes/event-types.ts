import { CreateEventTypeBody, EventType, EventTypeList, ImportCatalogBody, ImportCatalogResult } from "../../event-types/schemas";
import type { EventTypesService } from "../../event-types/service";
import { auditContextOf } from "../../audit/actor";
import { accountOf } from "../auth";
import { defineRoute, type AnyRoute } from "../route";

export function eventTypeRoutes(eventTypes: EventTypesService): AnyRoute[] {
  const tag = "Event types";
  return [
    defineRoute({
      method: "get",
      path: "/v1/event-types",
      tag,
      summary: "List the event types this account can subscribe to",
      auth: "account",
      scope: "webhooks:read",
      portal: "read",
      success: { status: 200, description: "Built-in types, then the account's own.", schema: EventTypeList },
      errors: [],
      handle: async ({ principal }) => ({ status: 200, body: { data: await eventTypes.list(accountOf(principal)) } }),
    }),
    defineRoute({
      method: "post",
      path: "/v1/event-types",
      tag,
      summary: "Register an event type for this account",
      auth: "account",
      scope: "webhooks:write",
      body: CreateEventTypeBody,
      success: { status: 201, description: "Registered.", schema: EventType },
      errors: [409, 422],
      handle: async ({ principal, body, res }) => ({ status: 201, body: await eventTypes.create(accountOf(principal), body, auditContextOf({ principal, res })) }),
    }),
    defineRoute({
      method: "post",
      path: "/v1/event-types/import",
      tag,
      summary: "Register a platform's event types (wappcloud, oneroute, oblic) for this account",
      description:
        "Idempotent: types the account already has are reported as existing and left unchanged; names that are built-in types are skipped. Catalog names are the platforms' own and need not look like noun.verb.",
      auth: "account",
      scope: "webhooks:write",
      body: ImportCatalogBody,
      success: { status: 200, description: "What was created, what already existed, what was skipped.", schema: ImportCatalogResult },
      errors: [422],
      handle: async ({ principal, body, res }) => ({
        status: 200,
        body: await eventTypes.importCatalog(accountOf(principal), body.catalog, auditContextOf({ principal, res })),
      }),
    }),
  ];
}
