import { PrismaPg } from "@prisma/adapter-pg";
import { Pool } from "pg";
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
export function createDatabase(databaseUrl: string, poolSize: number): Database {
  const sql = new Pool({ connectionString: databaseUrl, max: poolSize });
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
  return (sql: Sql, values: unknown[]) => sql.query<R>({ name: `hr_${name}`, text, values });
}
