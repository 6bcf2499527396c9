import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client";

export type Db = PrismaClient;

/** Prisma on the pg driver adapter (no native engine: see prisma.config.ts). */
export function createDb(databaseUrl: string, poolSize: number): Db {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: poolSize });
  return new PrismaClient({ adapter });
}
