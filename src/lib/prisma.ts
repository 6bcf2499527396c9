import { PrismaPg } from "@prisma/adapter-pg";
import { Pool, type PoolClient } from "pg";
import { PrismaClient } from "../generated/prisma/client";

export type Db = PrismaClient;
/** The pg pool under Prisma, for the few hot paths that send their own SQL. */
export type Sql = Pool;

export interface Database {
  db: Db;
  sql: Sql;
  close(): Promise<void>;
}

/**
 * Prisma on the pg driver adapter (no native engine: see prisma.config.ts), over a pool that
 * the hot paths (ingestion, delivery attempts) also use directly: their statements are written
 * out anyway, and going around Prisma saves its per-query work, which the benchmark showed to
 * be a quarter of a worker's CPU. One pool, so one connection budget per process.
 */
/**
 * Every session of the pool plans the prepared hot-path statements once, and by index only.
 *
 * - `plan_cache_mode=force_generic_plan`: with array parameters Postgres judged each custom
 *   plan cheaper than the generic one and planned every execution anew, a third of its time on
 *   the delivery path (pg_stat_statements under `npm run bench`).
 * - `enable_seqscan=off`: a generic plan is made once per connection and kept until the
 *   statistics change; made while the tables were still small (a fresh deployment, a new
 *   partition) it scanned them, and kept scanning them at a million rows until an autovacuum
 *   analyse came round: Postgres's CPU per delivery tripled within a minute of load. Every
 *   query hookrelay sends has an index to use (the hot ones' plans are checked in
 *   test/integration/hot-path-plans.test.ts); where none applies Postgres still scans, this
 *   only makes scanning its last resort.
 * - `jit=off`: a scan made the last resort costs 1e10 to the planner, far past the JIT
 *   thresholds, so a query with no index to use (the metrics' webhooks-by-health count, a
 *   small table's GROUP BY) was JIT-compiled on every run: 76-1,156 ms of backend CPU for what
 *   takes 0.2 ms without (`npm run bench -- --only observability`). No query of ours runs long
 *   enough for JIT to pay.
 *
 * Behind a transaction-mode pooler these must be set on the role instead (`ALTER ROLE … SET`),
 * since a pooler does not pass startup options on; see README, "Operating it".
 */
export const SESSION_SETTINGS = "-c plan_cache_mode=force_generic_plan -c enable_seqscan=off -c jit=off";

export function createDatabase(databaseUrl: string, poolSize: number): Database {
  const sql = new Pool({ connectionString: databaseUrl, max: poolSize, options: SESSION_SETTINGS });
  // An idle connection dropped by the server (a restart) must not crash the process;
  // the pool replaces it on next use.
  sql.on("error", () => undefined);
  const db = new PrismaClient({ adapter: new PrismaPg(sql) });
  return {
    db,
    sql,
    async close() {
      await db.$disconnect();
      await sql.end();
    },
  };
}

/**
 * A hot-path statement, prepared once per pooled connection (by its name) and from then on
 * only bound and executed. Planning was about a third of Postgres's time on the hot path
 * (pg_stat_statements, `npm run bench`); a prepared statement is planned generically after a
 * few runs. The text must be fixed: one name, one text.
 */
export function preparedStatement<R extends object = Record<string, unknown>>(name: string, text: string) {
  // On the pool, or on one of its connections inside a transaction.
  return (sql: Sql | PoolClient, values: unknown[]) => sql.query<R>({ name: `hr_${name}`, text, values });
}
