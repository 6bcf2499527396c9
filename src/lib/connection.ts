import type { PoolClient } from "pg";
import type { Sql } from "./prisma";

/**
 * Runs `work` on one pooled connection of its own (session state such as an advisory lock or
 * SET lock_timeout lives on it), and gives the connection back. pg-pool listens for errors only
 * on idle clients: a checked-out one that Postgres drops between two queries (a restart's
 * "terminating connection", 57P01) emits 'error' with no listener, which kills the process.
 * Caught here, the next query fails instead, and the broken connection is discarded, not reused.
 */
export async function withConnection<T>(sql: Sql, work: (client: PoolClient, isBroken: () => boolean) => Promise<T>): Promise<T> {
  const client = await sql.connect();
  let broken: Error | undefined;
  const onError = (err: Error) => (broken = err);
  client.on("error", onError);
  try {
    return await work(client, () => broken !== undefined);
  } finally {
    client.off("error", onError);
    client.release(broken);
  }
}

/** Runs `work` in a transaction on one pooled connection (see withConnection). */
export function inTransaction<T>(sql: Sql, work: (client: PoolClient) => Promise<T>): Promise<T> {
  return withConnection(sql, async (client, isBroken) => {
    await client.query("BEGIN");
    try {
      const out = await work(client);
      await client.query("COMMIT");
      return out;
    } catch (err) {
      if (!isBroken()) await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    }
  });
}
