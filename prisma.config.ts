import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";

// Prisma's native engines cannot be downloaded everywhere we build, so the CLI runs on its
// Wasm engine through the pg driver adapter. `migrate diff` works this way; `migrate deploy`
// does not (prisma/orm#27403), which is why src/db/migrator.ts applies migrations itself.
// The schema's `env("DATABASE_URL")` must resolve even for commands that never connect
// (generate, migrate diff); an unresolved one makes the CLI fall back to fetching native engines.
process.env.DATABASE_URL ??= "postgresql://localhost/hookrelay";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  async adapter() {
    // A short idle timeout lets one-shot CLI commands exit instead of waiting on pooled connections.
    return new PrismaPg({ connectionString: process.env.DATABASE_URL, idleTimeoutMillis: 200 });
  },
});
