import { Client } from "pg";
import { inTransaction } from "../../src/lib/connection";
import { createDatabase, type Database } from "../../src/lib/prisma";
import { createTestDatabase, type TestDatabase } from "../support/database";

/**
 * A transaction on a checked-out pool connection that Postgres ends between two statements (a
 * restart sends 57P01 "terminating connection due to administrator command" to every backend):
 * the caller gets a rejection and the pool a fresh connection, and the process lives on. pg-pool
 * listens for errors on idle clients only, so without a listener of its own the client's
 * 'error' event went unhandled and killed a worker in the fault suite's Postgres restart.
 */
describe("inTransaction when Postgres drops the connection mid-transaction", () => {
  let testDb: TestDatabase;
  let database: Database;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = createDatabase(testDb.url, 2);
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  it("rejects, discards the broken connection, and the pool goes on", async () => {
    const admin = new Client({ connectionString: testDb.url });
    await admin.connect();
    try {
      const attempt = inTransaction(database.sql, async (client) => {
        const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
        // Between statements, as a restart would: the server ends this backend.
        await admin.query("SELECT pg_terminate_backend($1)", [rows[0]!.pid]);
        await new Promise((r) => setTimeout(r, 200));
        await client.query("SELECT 1");
      });
      await expect(attempt).rejects.toThrow();
      const after = await database.sql.query<{ one: number }>("SELECT 1 AS one");
      expect(after.rows[0]!.one).toBe(1);
      expect(await inTransaction(database.sql, async (client) => (await client.query<{ two: number }>("SELECT 2 AS two")).rows[0]!.two)).toBe(2);
    } finally {
      await admin.end();
    }
  });
});
