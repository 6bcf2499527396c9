import createClient, { type Client } from "openapi-fetch";
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry";
import type { paths } from "./schema";
import { retryingFetch, type FetchLike } from "./transport";
import { VERSION } from "./version";
import { EventsResource } from "./resources/events";
import { WebhooksResource } from "./resources/webhooks";
import { ApiKeysResource } from "./resources/keys";
import { AuditLogResource } from "./resources/audit-log";
import { ReplaysResource } from "./resources/replays";
import { AccountsResource, AttemptsResource, DeliveriesResource, EventTypesResource, PortalResource } from "./resources/others";

export interface HookrelayOptions {
  /** Where the API is, e.g. `https://hooks.example.com` (no `/v1`). */
  baseUrl: string;
  /** An account key (`hr_…`), the admin key, or a portal session token. */
  apiKey: string;
  /** Default: globalThis.fetch. Any function with fetch's signature (undici's, a test's wrapper). */
  fetch?: typeof fetch;
  /** Retries on 429/503 and, where safe, on network errors; `false` for one attempt only. */
  retry?: Partial<RetryPolicy> | false;
  /** Per attempt, the answer's body included. Default 30 s. */
  timeoutMs?: number;
  /** Events per batch request (the API's HOOKRELAY_MAX_BATCH_EVENTS; default 100). */
  maxBatchEvents?: number;
  /** Bytes per batch request body (the API's HOOKRELAY_MAX_BATCH_BYTES; default 4 MiB). */
  maxBatchBytes?: number;
  /** Sent as User-Agent (where the runtime lets it be set). */
  userAgent?: string;
}

/** What the resources share: the typed client and the batch limits. */
export interface Context {
  api: Client<paths>;
  maxBatchEvents: number;
  maxBatchBytes: number;
}

export const DEFAULT_USER_AGENT = `hookrelay-client-ts/${VERSION}`;

/**
 * The hookrelay API, typed from its OpenAPI document. Every method resolves with the API's
 * answer or rejects with a HookrelayError; `api` is the generated client for anything not
 * wrapped, with the same authentication, timeout and retries.
 */
export class Hookrelay {
  readonly api: Client<paths>;
  readonly events: EventsResource;
  readonly webhooks: WebhooksResource;
  readonly deliveries: DeliveriesResource;
  readonly attempts: AttemptsResource;
  readonly eventTypes: EventTypesResource;
  readonly portal: PortalResource;
  readonly accounts: AccountsResource;
  readonly apiKeys: ApiKeysResource;
  readonly auditLog: AuditLogResource;
  readonly replays: ReplaysResource;

  constructor(options: HookrelayOptions) {
    if (!options?.baseUrl || !/^https?:\/\//i.test(options.baseUrl)) throw new TypeError("Hookrelay: baseUrl must be an http(s) URL, e.g. https://hooks.example.com");
    if (!options.apiKey) throw new TypeError("Hookrelay: apiKey is required");
    const fetchImpl: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    const retry = options.retry === false ? null : { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.api = createClient<paths>({
      baseUrl: options.baseUrl.replace(/\/+$/, ""),
      fetch: retryingFetch({ fetch: fetchImpl, retry, timeoutMs: options.timeoutMs ?? 30_000 }),
      headers: { Authorization: `Bearer ${options.apiKey}`, "User-Agent": options.userAgent ?? DEFAULT_USER_AGENT },
    });
    const ctx: Context = { api: this.api, maxBatchEvents: options.maxBatchEvents ?? 100, maxBatchBytes: options.maxBatchBytes ?? 4 * 1024 * 1024 };
    this.events = new EventsResource(ctx);
    this.webhooks = new WebhooksResource(ctx);
    this.deliveries = new DeliveriesResource(ctx);
    this.attempts = new AttemptsResource(ctx);
    this.eventTypes = new EventTypesResource(ctx);
    this.portal = new PortalResource(ctx);
    this.accounts = new AccountsResource(ctx);
    this.apiKeys = new ApiKeysResource(ctx);
    this.auditLog = new AuditLogResource(ctx);
    this.replays = new ReplaysResource(ctx);
  }
}
