import type { components, paths } from "./schema";

type Schemas = components["schemas"];

// The names the SDK's answers go by, from the generated schema.
export type Webhook = Schemas["Webhook"];
export type CreatedWebhook = Schemas["CreatedWebhook"];
export type Event = Schemas["EventSummary"];
export type EventDetail = Schemas["EventDetail"];
export type Attempt = Schemas["DeliveryAttempt"];
export type AttemptDetail = Schemas["DeliveryAttemptDetail"];
export type Delivery = Schemas["Delivery"];
export type DeliveryWithAttempts = Schemas["DeliveryWithAttempts"];
export type AcceptedEvent = Schemas["AcceptedEvent"];
export type EventType = Schemas["EventType"];
export type TestEventResult = Schemas["TestEventResult"];
export type Notice = Schemas["Notice"];
export type WebhookStats = Schemas["WebhookStats"];
export type SignatureCheck = Schemas["SignatureCheck"];
export type VerifyResult = Schemas["VerifyResult"];
export type RotatedSecret = Schemas["RotatedSecret"];
export type CreatedPortalSession = Schemas["CreatedPortalSession"];
export type CreatedAccount = Schemas["CreatedAccount"];
export type Account = Schemas["Account"];
export type UpdateAccount = Schemas["UpdateAccount"];
export type IssuedApiKey = Schemas["IssuedApiKey"];
export type ApiKey = Schemas["ApiKey"];
export type RotatedApiKey = Schemas["RotatedApiKey"];
export type Scope = Schemas["Scope"];
export type AuditEntry = Schemas["AuditEntry"];
export type AuditAction = AuditEntry["action"];
export type AuditActorType = AuditEntry["actor"]["type"];
export type ImportEventTypeCatalogResult = Schemas["ImportEventTypeCatalogResult"];
export type ErrorBody = Schemas["Error"];
export type EnabledWebhook = Schemas["EnabledWebhook"];
export type Replay = Schemas["Replay"];
export type ReplayDryRun = Schemas["ReplayDryRun"];

type Method = "get" | "post" | "patch" | "delete";
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;

/** The JSON request body of an operation. */
export type BodyOf<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody?: { content: { "application/json": infer B } } } ? B : never;
/** The query parameters of an operation. */
export type QueryOf<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/**
 * A request body as the caller may write it: the generator marks fields that have a default as
 * required (right for answers, where the default is filled in), but the API fills them in.
 */
type Defaulted<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;

export type EmitEvent = Schemas["EmitEvent"];
export type BatchEvent = Schemas["EmitEventBatch"]["events"][number];
export type CreateWebhook = Defaulted<Schemas["CreateWebhook"], "dialect">;
export type UpdateWebhook = Schemas["UpdateWebhook"];
export type RotateSecret = Defaulted<Schemas["RotateSecret"], "graceSeconds">;
export type CreateEventType = Schemas["CreateEventType"];
export type ImportEventTypeCatalog = Schemas["ImportEventTypeCatalog"];
export type CreatePortalSession = Defaulted<Schemas["CreatePortalSession"], "access">;
export type CreateAccount = Schemas["CreateAccount"];
export type CreateApiKey = Defaulted<Schemas["CreateApiKey"], "name">;
export type RotateApiKey = Defaulted<Schemas["RotateApiKey"], "gracePeriodSeconds">;
export type PauseWebhook = BodyOf<"/v1/webhooks/{id}/disable", "post">;
export type TestEvent = BodyOf<"/v1/webhooks/{id}/test", "post">;
export type StartReplay = Schemas["StartReplay"];

export type ListEventsQuery = QueryOf<"/v1/events", "get">;
export type ListWebhooksQuery = QueryOf<"/v1/webhooks", "get">;
export type ListAttemptsQuery = QueryOf<"/v1/webhooks/{id}/deliveries", "get">;
export type ListNoticesQuery = QueryOf<"/v1/webhooks/{id}/notices", "get">;
export type WebhookStatsQuery = QueryOf<"/v1/webhooks/{id}/stats", "get">;
export type ListAuditLogQuery = QueryOf<"/v1/audit-log", "get">;
export type ListReplaysQuery = QueryOf<"/v1/webhooks/{id}/replays", "get">;
