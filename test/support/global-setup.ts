import { Client } from "pg";
import { migrate } from "../../src/db/migrator";
import { createEventTypesService } from "../../src/event-types/service";
import { createDatabase } from "../../src/lib/prisma";
import { ensurePartitions } from "../../src/retention/partitions";
import { randomBytes } from "node:crypto";
import { requireEnv, templateDb, withDatabase } from "./env";

/**
 * One migrated template database per run; each test file clones it (CREATE DATABASE …
 * TEMPLATE, tens of milliseconds) and so runs against a database of its own.
 */
export default async function globalSetup(): Promise<void> {
  process.env.HOOKRELAY_TEST_RUN_ID = randomBytes(4).toString("hex");
  const TEMPLATE_DB = templateDb();
  const serverUrl = requireEnv("DATABASE_URL");
  requireEnv("REDIS_URL");
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${TEMPLATE_DB}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${TEMPLATE_DB}"`);
  } finally {
    await admin.end();
  }
  const templateUrl = withDatabase(serverUrl, TEMPLATE_DB);
  await migrate(templateUrl);
  const db = createDatabase(templateUrl, 1);
  try {
    await createEventTypesService(db).syncBuiltins();
    // The past week's partitions, today's and the next days' (the defaults' width): every clone
    // starts with them, so a test may seed rows hours or days old (and run past midnight).
    const DAY = 86_400_000;
    await ensurePartitions(db.sql, { at: Array.from({ length: 8 }, (_, i) => Date.now() - (7 - i) * DAY), widthMs: DAY, ahead: 3 });
  } finally {
    await db.close();
  }
}
