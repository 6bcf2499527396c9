import { unwrap } from "../call";
import type { Context } from "../client";
import { List } from "../list";
import type { ApiKey, BodyOf, CreateApiKey, IssuedApiKey, RotateApiKey, RotatedApiKey } from "../types";

/**
 * The caller's own keys (a full-access `*` key). Never the key itself: it is shown once, by
 * `create` and `rotate`.
 */
export class ApiKeysResource {
  constructor(private readonly ctx: Context) {}

  /** Newest first, revoked and rotated ones included (one page: the API does not page them). */
  list(): List<ApiKey> {
    return new List(async () => ({ data: (await unwrap(this.ctx.api.GET("/v1/api-keys"))).data, nextCursor: null }));
  }

  /** A new key; full access (`*`) without `scopes`. */
  create(body: CreateApiKey = {}): Promise<IssuedApiKey> {
    return unwrap(this.ctx.api.POST("/v1/api-keys", { body: body as BodyOf<"/v1/api-keys", "post"> }));
  }

  /** Stops the key everywhere within a second; revoking a revoked key changes nothing. */
  revoke(id: string): Promise<ApiKey> {
    return unwrap(this.ctx.api.POST("/v1/api-keys/{id}/revoke", { params: { path: { id } } }));
  }

  /** A new key with the same name and scopes; the old one keeps working `gracePeriodSeconds` (24 h by default, 0: stops now). */
  rotate(id: string, body: RotateApiKey = {}): Promise<RotatedApiKey> {
    return unwrap(this.ctx.api.POST("/v1/api-keys/{id}/rotate", { params: { path: { id } }, body: body as BodyOf<"/v1/api-keys/{id}/rotate", "post"> }));
  }
}

/** Another account's keys, with the admin key: `hr.accounts.apiKeys(accountId)`. */
export class AccountApiKeys {
  constructor(
    private readonly ctx: Context,
    private readonly accountId: string,
  ) {}

  list(): List<ApiKey> {
    const path = { id: this.accountId };
    return new List(async () => ({ data: (await unwrap(this.ctx.api.GET("/v1/accounts/{id}/api-keys", { params: { path } }))).data, nextCursor: null }));
  }

  create(body: CreateApiKey = {}): Promise<IssuedApiKey> {
    return unwrap(this.ctx.api.POST("/v1/accounts/{id}/api-keys", { params: { path: { id: this.accountId } }, body: body as BodyOf<"/v1/accounts/{id}/api-keys", "post"> }));
  }

  revoke(keyId: string): Promise<ApiKey> {
    return unwrap(this.ctx.api.POST("/v1/accounts/{id}/api-keys/{keyId}/revoke", { params: { path: { id: this.accountId, keyId } } }));
  }

  rotate(keyId: string, body: RotateApiKey = {}): Promise<RotatedApiKey> {
    return unwrap(
      this.ctx.api.POST("/v1/accounts/{id}/api-keys/{keyId}/rotate", {
        params: { path: { id: this.accountId, keyId } },
        body: body as BodyOf<"/v1/accounts/{id}/api-keys/{keyId}/rotate", "post">,
      }),
    );
  }
}
