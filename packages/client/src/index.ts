/**
 * @hookrelay/client: the typed API client. Receiver helpers are at "@hookrelay/client/receiver".
 * Runs wherever `fetch` does (Node 20+, Deno, Bun, workers, browsers): no node: imports here.
 */
export { Hookrelay, DEFAULT_USER_AGENT, type HookrelayOptions } from "./sdk/client";
export {
  HookrelayError,
  isHookrelayError,
  ValidationError,
  AuthenticationError,
  PermissionError,
  NotFoundError,
  ConflictError,
  PayloadTooLargeError,
  UnprocessableError,
  RateLimitError,
  ServiceUnavailableError,
  NetworkError,
  type Issue,
} from "./sdk/errors";
export { List, type Page } from "./sdk/list";
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./sdk/retry";
export type { EmitBatchOptions } from "./sdk/resources/events";
export type { AccountApiKeys } from "./sdk/resources/keys";
export type { paths, components } from "./sdk/schema";
// The answers and request bodies by name (components["schemas"][…]).
export type {
  Webhook, CreatedWebhook, Event, EventDetail, Attempt, AttemptDetail, Delivery, DeliveryWithAttempts,
  AcceptedEvent, EventType, TestEventResult, Notice, WebhookStats, SignatureCheck, VerifyResult, RotatedSecret,
  CreatedPortalSession, CreatedAccount, Account, UpdateAccount, IssuedApiKey, ImportEventTypeCatalogResult, ErrorBody, BodyOf, QueryOf,
  EmitEvent, BatchEvent, CreateWebhook, UpdateWebhook, RotateSecret, CreateEventType, ImportEventTypeCatalog,
  CreatePortalSession, CreateAccount, CreateApiKey, PauseWebhook, TestEvent, ListEventsQuery, ListWebhooksQuery,
  ListAttemptsQuery, ListNoticesQuery, WebhookStatsQuery, ApiKey, RotatedApiKey, RotateApiKey, Scope, AuditEntry,
  AuditAction, AuditActorType, ListAuditLogQuery, EnabledWebhook, Replay, ReplayDryRun, StartReplay, ListReplaysQuery,
} from "./sdk/types";
export { VERSION } from "./sdk/version";
