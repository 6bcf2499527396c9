import { ScopeName, SCOPES } from "../../access/scopes";
import type { AccountsService } from "../../accounts/service";
import { auditContextOf } from "../../audit/actor";
import { z } from "../../lib/zod";
import { accountOf } from "../auth";
import { defineRoute, type AnyRoute } from "../route";

/** The longest a rotated key may keep working: long enough for any deploy, short enough to end. */
const MAX_GRACE_SECONDS = 30 * 86_400;
const DEFAULT_GRACE_SECONDS = 86_400;

export const CreateKeyBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100).default("default"),
    scopes: z
      .array(ScopeName)
      .min(1)
      .max(SCOPES.length * 2)
      .optional()
      .openapi({ description: "What the key may do; full access (`*`) when absent." }),
  })
  .openapi("CreateApiKey");
const RotateKeyBody = z
  .strictObject({
    gracePeriodSeconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_GRACE_SECONDS)
      .default(DEFAULT_GRACE_SECONDS)
      .openapi({ description: "How long the old key keeps working (24 h when absent; 0: it stops now)." }),
  })
  .openapi("RotateApiKey");
const AccountIdParams = z.object({ id: z.string().max(64) });
const KeyIdParams = z.object({ id: z.string().max(64) });
const AccountKeyParams = z.object({ id: z.string().max(64), keyId: z.string().max(64) });

const at = z.string().datetime();
export const IssuedKey = z
  .object({
    id: z.string(),
    apiKey: z.string().openapi({ description: "Shown once; only a hash is stored." }),
    prefix: z.string(),
    name: z.string(),
    scopes: z.array(z.string()),
    createdAt: at,
  })
  .openapi("IssuedApiKey");
const ApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().openapi({ description: "The start of the key, to tell keys apart; the rest is never shown again." }),
    scopes: z.array(z.string()),
    createdAt: at,
    lastUsedAt: at.nullable().openapi({ description: "Coarse: updated at most once a minute." }),
    expiresAt: at.nullable().openapi({ description: "Set by a rotation: the key works until then." }),
    revokedAt: at.nullable(),
    replacedBy: z.string().nullable().openapi({ description: "The key that replaced this one in a rotation." }),
  })
  .openapi("ApiKey");
const ApiKeyList = z.object({ data: z.array(ApiKey) }).openapi("ApiKeyList");
const RotatedKey = z.object({ apiKey: IssuedKey, previous: ApiKey }).openapi("RotatedApiKey");

const REVOKE_DESCRIPTION =
  "Stops the key on every API process within a second (while Redis is unreachable, within HOOKRELAY_AUTH_CACHE_TTL). The key making the call may revoke itself: it gets this answer, then stops working. Revoking a revoked key changes nothing.";
const ROTATE_DESCRIPTION =
  "A new key with the same name and scopes, shown once; the old one keeps working for `gracePeriodSeconds` and is then refused. A revoked key answers 409 `key_revoked`, one already rotated 409 `key_already_rotated`.";

/**
 * An account's keys: by the account itself (a full-access key, `*`) under /v1/api-keys, and by
 * the operator for any account under /v1/accounts/:id/api-keys. Another account's key is a 404.
 */
export function apiKeyRoutes(accounts: AccountsService): AnyRoute[] {
  const tag = "API keys";
  const accountExists = async (id: string) => (await accounts.get(id)).id;
  return [
    defineRoute({
      method: "get",
      path: "/v1/api-keys",
      tag,
      summary: "List this account's API keys",
      description: "Newest first, revoked and rotated ones included. Never the key or its hash.",
      auth: "account",
      scope: "*",
      success: { status: 200, description: "The keys.", schema: ApiKeyList },
      errors: [],
      handle: async ({ principal }) => ({ status: 200, body: { data: await accounts.listKeys(accountOf(principal)) } }),
    }),
    defineRoute({
      method: "post",
      path: "/v1/api-keys",
      tag,
      summary: "Create an API key for this account",
      auth: "account",
      scope: "*",
      body: CreateKeyBody,
      success: { status: 201, description: "The key, shown once.", schema: IssuedKey },
      errors: [],
      handle: async ({ principal, body, res }) => ({
        status: 201,
        body: await accounts.createKey(accountOf(principal), body.name, { scopes: body.scopes, audit: auditContextOf({ principal, res }) }),
      }),
    }),
    defineRoute({
      method: "post",
      path: "/v1/api-keys/:id/revoke",
      tag,
      summary: "Revoke one of this account's API keys",
      description: REVOKE_DESCRIPTION,
      auth: "account",
      scope: "*",
      params: KeyIdParams,
      success: { status: 200, description: "The key, revoked.", schema: ApiKey },
      errors: [404],
      handle: async ({ principal, params, res }) => ({
        status: 200,
        body: await accounts.revokeKey(accountOf(principal), params.id, auditContextOf({ principal, res })),
      }),
    }),
    defineRoute({
      method: "post",
      path: "/v1/api-keys/:id/rotate",
      tag,
      summary: "Rotate one of this account's API keys",
      description: ROTATE_DESCRIPTION,
      auth: "account",
      scope: "*",
      params: KeyIdParams,
      body: RotateKeyBody,
      success: { status: 200, description: "The new key (shown once) and the old one with its expiry.", schema: RotatedKey },
      errors: [404, 409],
      handle: async ({ principal, params, body, res }) => ({
        status: 200,
        body: await accounts.rotateKey(accountOf(principal), params.id, body.gracePeriodSeconds * 1_000, auditContextOf({ principal, res })),
      }),
    }),
    defineRoute({
      method: "get",
      path: "/v1/accounts/:id/api-keys",
      tag,
      summary: "List an account's API keys (admin)",
      description: "Newest first, revoked and rotated ones included. Never the key or its hash.",
      auth: "admin",
      params: AccountIdParams,
      success: { status: 200, description: "The keys.", schema: ApiKeyList },
      errors: [404],
      handle: async ({ params }) => ({ status: 200, body: { data: await accounts.listKeys(await accountExists(params.id)) } }),
    }),
    defineRoute({
      method: "post",
      path: "/v1/accounts/:id/api-keys",
      tag,
      summary: "Issue another API key for an account (admin)",
      auth: "admin",
      params: AccountIdParams,
      body: CreateKeyBody,
      success: { status: 201, description: "The key, shown once.", schema: IssuedKey },
      errors: [404],
      handle: async ({ principal, params, body, res }) => ({
        status: 201,
        body: await accounts.createKey(params.id, body.name, { scopes: body.scopes, audit: auditContextOf({ principal, res }) }),
      }),
    }),
    defineRoute({
      method: "post",
      path: "/v1/accounts/:id/api-keys/:keyId/revoke",
      tag,
      summary: "Revoke an account's API key (admin)",
      description: REVOKE_DESCRIPTION,
      auth: "admin",
      params: AccountKeyParams,
      success: { status: 200, description: "The key, revoked.", schema: ApiKey },
      errors: [404],
      handle: async ({ principal, params, res }) => ({
        status: 200,
        body: await accounts.revokeKey(await accountExists(params.id), params.keyId, auditContextOf({ principal, res })),
      }),
    }),
    defineRoute({
      method: "post",
      path: "/v1/accounts/:id/api-keys/:keyId/rotate",
      tag,
      summary: "Rotate an account's API key (admin)",
      description: ROTATE_DESCRIPTION,
      auth: "admin",
      params: AccountKeyParams,
      body: RotateKeyBody,
      success: { status: 200, description: "The new key (shown once) and the old one with its expiry.", schema: RotatedKey },
      errors: [404, 409],
      handle: async ({ principal, params, body, res }) => ({
        status: 200,
        body: await accounts.rotateKey(await accountExists(params.id), params.keyId, body.gracePeriodSeconds * 1_000, auditContextOf({ principal, res })),
      }),
    }),
  ];
}
