import type { AccountsService } from "../../accounts/service";
import { auditContextOf } from "../../audit/actor";
import { z } from "../../lib/zod";
import { defineRoute, type AnyRoute } from "../route";
import { IssuedKey } from "./api-keys";

const CreateAccountBody = z.strictObject({ name: z.string().trim().min(1).max(200) }).openapi("CreateAccount");

const Account = z.object({ id: z.string(), name: z.string(), createdAt: z.string().datetime() }).openapi("Account");
const CreatedAccount = z.object({ account: Account, apiKey: IssuedKey }).openapi("CreatedAccount");

/** Accounts (the operator's); their keys are in ./api-keys.ts. */
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
      handle: async ({ principal, body, res }) => {
        const { account, key } = await accounts.create(body.name, auditContextOf({ principal, res }));
        return { status: 201, body: { account, apiKey: key } };
      },
    }),
  ];
}
