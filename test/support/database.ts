import { randomBytes } from "node:crypto";
import { Client } from "pg";
import { requireEnv, templateDb, testDbPrefix, withDatabase } from "./env";

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function onServer<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: requireEnv("DATABASE_URL") });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh, migrated database for one test file. */
export async function createTestDatabase(template: string = templateDb()): Promise<TestDatabase> {
  const name = `${testDbPrefix()}${randomBytes(6).toString("hex")}`;
  await onServer((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  return {
    name,
    url: withDatabase(requireEnv("DATABASE_URL"), name),
    drop: () => onServer((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

/** An empty database (no migrations), for tests of the migrations themselves. */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  return createTestDatabase("template0");
}
