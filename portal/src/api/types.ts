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
export type EnabledWebhook = Ok<"/v1/webhooks/{id}/enable", "post">;
/** What was skipped while a webhook was off, as the enable answer says (null or a count of 0: nothing to offer). */
export type SkippedWhileDisabled = NonNullable<EnabledWebhook["skippedWhileDisabled"]>;
export type Replay = Ok<"/v1/replays/{id}", "get">;
export type ReplayList = Ok<"/v1/webhooks/{id}/replays", "get">;
/** A dry run's count, or the replay started (or the same one already running). */
export type ReplayStarted = Ok<"/v1/webhooks/{id}/replay", "post">;
export type ReplayRequest = NonNullable<paths["/v1/webhooks/{id}/replay"]["post"]["requestBody"]>["content"]["application/json"];
export type Dialect = Webhook["dialect"];
export type StatsWindow = WebhookStats["window"];
