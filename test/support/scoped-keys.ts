import { generateApiKey } from "../../src/accounts/api-keys";
import { newId } from "../../src/lib/ids";
import type { TestApp } from "./app";

/**
 * A new API key of the account with exactly these scopes, written straight into the key table
 * the way the accounts module writes it (src/accounts/api-keys.ts): the tests that use it are
 * about what a scope allows, not about how keys are issued (test/integration/api-keys*.test.ts).
 */
export async function keyWithScopes(app: TestApp, accountId: string, scopes: string[], name = `scoped ${scopes.join(" ")}`): Promise<string> {
  const generated = generateApiKey();
  await app.container.db.apiKey.create({
    data: { id: newId("key"), accountId, name, prefix: generated.prefix, keyHash: generated.hash, scopes },
  });
  return generated.key;
}
