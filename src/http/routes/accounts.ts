import type { AccountsService } from "../../accounts/service";
import { z } from "../../lib/zod";
import { defineRoute, type AnyRoute } from "../route";

const CreateAccountBody = z.strictObject({ name: z.string().trim().min(1).max(200) }).openapi("CreateAccount");
const CreateKeyBody = z.strictObject({ name: z.string().trim().min(1).max(100).default("default") }).openapi("CreateApiKey");
const AccountIdParams = z.object({ id: z.string().max(64) });

const Account = z.object({ id: z.string(), name: z.string(), createdAt: z.string().datetime() }).openapi("Account");
const IssuedKey = z
  .object({
    id: z.string(),
    apiKey: z.string().openapi({ description: "Shown once; only a hash is stored." }),
    prefix: z.string(),
    name: z.string(),
    createdAt: z.string().datetime(),
  })
  .openapi("IssuedApiKey");
const CreatedAccount = z.object({ account: Account, apiKey: IssuedKey }).openapi("CreatedAccount");

export function accountRoutes(accounts: AccountsService): AnyRoute[] {
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
      handle: async ({ body }) => {
        const { account, key } = await accounts.create(body.name);
        return { status: 201, body: { account, apiKey: key } };
      },
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
      handle: async ({ params, body }) => ({ status: 201, body: await accounts.createKey(params.id, body.name) }),
    }),
  ];
}
