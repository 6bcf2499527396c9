import type { AccountsService } from "../../accounts/service";
import { auditContextOf } from "../../audit/actor";
import { z } from "../../lib/zod";
import { defineRoute, type AnyRoute } from "../route";
import { IssuedKey } from "./api-keys";

const CreateAccountBody = z.strictObject({ name: z.string().trim().min(1).max(200) }).openapi("CreateAccount");

const Account = z
  .object({
    id: z.string(),
    name: z.string(),
    createdAt: z.string().datetime(),
    retentionDays: z.number().int().nullable().openapi({ description: "Its own retention in days; null keeps the global one (HOOKRELAY_RETENTION)." }),
  })
  .openapi("Account");
const AccountIdParams = z.object({ id: z.string().max(64) });
const UpdateAccountBody = z
  .strictObject({
    retentionDays: z.number().int().min(1).max(3650).nullable().openapi({
      description: "How long its events, deliveries and attempts are kept, in days: at most the global retention. null: the global one.",
    }),
  })
  .openapi("UpdateAccount");
const CreatedAccount = z.object({ account: Account, apiKey: IssuedKey }).openapi("CreatedAccount");

/** Accounts (the operator's); their keys are in ./api-keys.ts. */
export function accountRoutes(accounts: AccountsService, opts: { retentionMs: number }): AnyRoute[] {
  const tag = "Accounts";
  return [
    defineRoute({
      method: "post",
      path: "/v1/accounts",
      tag,
      summary: "Create a customer account and its first API key (admin)",
      auth: "admin",
      body: CreateAccountBody,
      success: { status: 201, description: "The account and its key, shown once.", schema: CreatedAccount },
      errors: [],
      handle: async ({ principal, body, res }) => {
        const { account, key } = await accounts.create(body.name, auditContextOf({ principal, res }));
        return { status: 201, body: { account, apiKey: key } };
      },
    }),
    defineRoute({
      method: "get",
      path: "/v1/accounts/:id",
      tag,
      summary: "Read an account (admin)",
      auth: "admin",
      params: AccountIdParams,
      success: { status: 200, description: "The account.", schema: Account },
      errors: [404],
      handle: async ({ params }) => ({ status: 200, body: await accounts.get(params.id) }),
    }),
    defineRoute({
      method: "patch",
      path: "/v1/accounts/:id",
      tag,
      summary: "Change an account's retention (admin)",
      description:
        "Its events, deliveries and attempts older than this are removed (a delivery still being retried is kept until it settles). At most the global retention (HOOKRELAY_RETENTION), which is how long the time partitions are kept; a shorter one is removed row by row in the retention pass.",
      auth: "admin",
      params: AccountIdParams,
      body: UpdateAccountBody,
      success: { status: 200, description: "The account.", schema: Account },
      errors: [404, 422],
      handle: async ({ principal, params, body, res }) => ({
        status: 200,
        body: await accounts.setRetention(params.id, body.retentionDays, opts.retentionMs, auditContextOf({ principal, res })),
      }),
    }),
  ];
}
