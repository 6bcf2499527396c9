import type { AccountsService } from "../../accounts/service";
import type { EventLog } from "../../events/event-log";
import { AcceptedBatch, AcceptedEvent, EmitEventBody, EventDetail, EventIdParams, EventList, ListEventsQuery, batchSchema } from "../../events/schemas";
import type { EventsService } from "../../events/service";
import { accountOf, existingActingAccount, type Principal } from "../auth";
import { defineRoute, type AnyRoute } from "../route";
import { requestTraceParent } from "../../tracing/http-server";

const REPLAYED = { "idempotent-replayed": "true" };

export function eventRoutes(deps: {
  events: EventsService;
  eventLog: EventLog;
  accounts: AccountsService;
  maxEventBytes: number;
  maxBatchEvents: number;
  maxBatchBytes: number;
}): AnyRoute[] {
  const tag = "Events";
  // The admin names an account that must exist; an account key is its own account.
  const target = (principal: Principal, named: string | undefined) => existingActingAccount(principal, named, deps.accounts);
  return [
    defineRoute({
      method: "post",
      path: "/v1/events",
      tag,
      summary: "Emit an event",
      description:
        "Stores the event and one delivery per active webhook of the account subscribed to its type, commits, then answers 202; delivery happens in the background. With the admin key, name the account in `accountId`. A repeated `idempotencyKey` returns the first answer (with `Idempotent-Replayed: true`) and creates nothing.",
      auth: "account-or-admin",
      scope: "events:write",
      rateLimit: "ingest",
      body: EmitEventBody,
      opaqueJsonFields: ["data"],
      maxBodyBytes: deps.maxEventBytes + 16 * 1024,
      success: { status: 202, description: "Accepted: stored, deliveries created.", schema: AcceptedEvent },
      errors: [404, 409, 422],
      handle: async ({ principal, body, res }) => {
        const accountId = await target(principal, body.accountId);
        const { accepted, replayed } = await deps.events.emit(accountId, body, requestTraceParent(res));
        return { status: 202, body: accepted, headers: replayed ? REPLAYED : {} };
      },
    }),
    defineRoute({
      method: "post",
      path: "/v1/events/batch",
      tag,
      summary: "Emit several events at once",
      description: `Up to ${deps.maxBatchEvents} events, accepted all together or not at all; answers in the order given.`,
      auth: "account-or-admin",
      scope: "events:write",
      rateLimit: "ingest",
      body: batchSchema(deps.maxBatchEvents),
      opaqueJsonFields: ["data"],
      maxBodyBytes: deps.maxBatchBytes,
      success: { status: 202, description: "Accepted: stored, deliveries created.", schema: AcceptedBatch },
      errors: [404, 409, 422],
      handle: async ({ principal, body, res }) => {
        const accountId = await target(principal, body.accountId);
        const items = body.events.map((e, i) => ({
          ...e,
          idempotencyKey: e.idempotencyKey ?? (body.idempotencyKey ? `${body.idempotencyKey}#${i}` : undefined),
        }));
        const { accepted, replayed } = await deps.events.emitMany(accountId, items, requestTraceParent(res));
        return { status: 202, body: { data: accepted }, headers: replayed ? REPLAYED : {} };
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/events",
      tag,
      summary: "List emitted events, newest first",
      description: "Filter by type and a [from, to) range; page with `cursor`.",
      auth: "account",
      scope: "events:read",
      portal: "read",
      query: ListEventsQuery,
      success: { status: 200, description: "A page of events (without payloads).", schema: EventList },
      errors: [],
      handle: async ({ principal, query }) => ({ status: 200, body: await deps.eventLog.list(accountOf(principal), query) }),
    }),
    defineRoute({
      method: "get",
      path: "/v1/events/:id",
      tag,
      summary: "An event: its payload and its deliveries",
      auth: "account",
      scope: "events:read",
      portal: "read",
      params: EventIdParams,
      success: { status: 200, description: "The event.", schema: EventDetail },
      errors: [404],
      handle: async ({ principal, params }) => ({ status: 200, body: await deps.eventLog.get(accountOf(principal), params.id) }),
    }),
  ];
}
