import { Client } from "pg";
import { requireEnv, templateDb, testDbPrefix } from "./env";

export default async function globalTeardown(): Promise<void> {
  const admin = new Client({ connectionString: requireEnv("DATABASE_URL") });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname = $2",
      [`${testDbPrefix()}%`, templateDb()],
    );
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
