import { unwrap } from "../call";
import type { Context } from "../client";
import { List } from "../list";
import { AccountApiKeys } from "./keys";
import type {
  Account,
  AttemptDetail,
  BodyOf,
  CreateAccount,
  CreateApiKey,
  CreatedAccount,
  CreatedPortalSession,
  CreateEventType,
  CreatePortalSession,
  DeliveryWithAttempts,
  EventType,
  ImportEventTypeCatalog,
  ImportEventTypeCatalogResult,
  IssuedApiKey,
  UpdateAccount,
} from "../types";

export class DeliveriesResource {
  constructor(private readonly ctx: Context) {}

  /** A delivery with its attempts. */
  get(id: string): Promise<DeliveryWithAttempts> {
    return unwrap(this.ctx.api.GET("/v1/deliveries/{id}", { params: { path: { id } } }));
  }

  /** Queues it again (a new chain of attempts). Not retried after a lost answer: it would queue twice. */
  redeliver(id: string) {
    return unwrap(this.ctx.api.POST("/v1/deliveries/{id}/redeliver", { params: { path: { id } } }));
  }
}

export class AttemptsResource {
  constructor(private readonly ctx: Context) {}

  /** One attempt, with the request body it sent. */
  get(id: string): Promise<AttemptDetail> {
    return unwrap(this.ctx.api.GET("/v1/attempts/{id}", { params: { path: { id } } }));
  }
}

export class EventTypesResource {
  constructor(private readonly ctx: Context) {}

  /** The account's event types, built-in ones included (one page: the API does not page them). */
  list(): List<EventType> {
    return new List(async () => ({ data: (await unwrap(this.ctx.api.GET("/v1/event-types"))).data, nextCursor: null }));
  }

  create(body: CreateEventType): Promise<EventType> {
    return unwrap(this.ctx.api.POST("/v1/event-types", { body }));
  }

  /** Registers a platform's catalogue of event types. */
  import(body: ImportEventTypeCatalog): Promise<ImportEventTypeCatalogResult> {
    return unwrap(this.ctx.api.POST("/v1/event-types/import", { body }));
  }
}

export class PortalResource {
  constructor(private readonly ctx: Context) {}

  /** A magic link into the customer portal (`url`), to open once. */
  createSession(body: CreatePortalSession = {}): Promise<CreatedPortalSession> {
    return unwrap(this.ctx.api.POST("/v1/portal/sessions", { body: body as BodyOf<"/v1/portal/sessions", "post"> }));
  }

  async endSession(id: string): Promise<void> {
    await unwrap(this.ctx.api.DELETE("/v1/portal/sessions/{id}", { params: { path: { id } } }));
  }
}

/** With the admin key. */
export class AccountsResource {
  constructor(private readonly ctx: Context) {}

  create(body: CreateAccount): Promise<CreatedAccount> {
    return unwrap(this.ctx.api.POST("/v1/accounts", { body }));
  }

  get(accountId: string): Promise<Account> {
    return unwrap(this.ctx.api.GET("/v1/accounts/{id}", { params: { path: { id: accountId } } }));
  }

  /** Its retention in days (at most the server's HOOKRELAY_RETENTION); null returns to the server's. */
  update(accountId: string, body: UpdateAccount): Promise<Account> {
    return unwrap(this.ctx.api.PATCH("/v1/accounts/{id}", { params: { path: { id: accountId } }, body }));
  }

  createKey(accountId: string, body: CreateApiKey = {}): Promise<IssuedApiKey> {
    return unwrap(this.ctx.api.POST("/v1/accounts/{id}/api-keys", { params: { path: { id: accountId } }, body: body as BodyOf<"/v1/accounts/{id}/api-keys", "post"> }));
  }

  /** The account's keys: list, create, revoke, rotate (as `hr.apiKeys` does for the caller's own). */
  apiKeys(accountId: string): AccountApiKeys {
    return new AccountApiKeys(this.ctx, accountId);
  }
}
