import type { paths } from "./schema";

/** The JSON body of a path's successful answer, read from the generated OpenAPI types. */
type JsonOf<R> = R extends { content: { "application/json": infer B } } ? B : never;
type SuccessOf<Op> = Op extends { responses: infer Rs }
  ? JsonOf<Rs[Extract<keyof Rs, 200 | 201 | 202>]>
  : never;
export type Ok<P extends keyof paths, M extends keyof paths[P]> = SuccessOf<paths[P][M]>;

export type PortalSession = Ok<"/v1/portal/session", "get">;
export type Webhook = Ok<"/v1/webhooks/{id}", "get">;
export type WebhookList = Ok<"/v1/webhooks", "get">;
export type CreatedWebhook = Ok<"/v1/webhooks", "post">;
export type RotatedSecret = Ok<"/v1/webhooks/{id}/rotate-secret", "post">;
export type TestEventResult = Ok<"/v1/webhooks/{id}/test", "post">;
export type SignatureCheck = Ok<"/v1/webhooks/{id}/check-signature", "post">;
export type WebhookStats = Ok<"/v1/webhooks/{id}/stats", "get">;
export type Attempt = Ok<"/v1/webhooks/{id}/deliveries", "get">["data"][number];
export type AttemptDetail = Ok<"/v1/attempts/{id}", "get">;
export type Delivery = Ok<"/v1/deliveries/{id}", "get">;
export type EventSummary = Ok<"/v1/events", "get">["data"][number];
export type EventDetail = Ok<"/v1/events/{id}", "get">;
export type EventType = Ok<"/v1/event-types", "get">["data"][number];
export type Notice = Ok<"/v1/webhooks/{id}/notices", "get">["data"][number];
export type AuditEntry = Ok<"/v1/audit-log", "get">["data"][number];
export type Dialect = Webhook["dialect"];
export type StatsWindow = WebhookStats["window"];
