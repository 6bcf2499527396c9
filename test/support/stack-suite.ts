import { Client } from "pg";
import { ensureBuilt } from "../../harness/build";
import { startReceiver, type ReceiverHandle } from "../../harness/receiver";
import type { Stack } from "../../harness/stack";
import { requireEnv } from "./env";

/**
 * For a test file that runs the real processes (harness/stack.ts, from dist/) with the
 * receiver process: builds dist/ and starts the receiver before, and after stops the stack,
 * the receiver and drops the stack's database.
 */
export function useStackSuite(): { receiver(): ReceiverHandle; setStack(s: Stack): Stack } {
  let receiver: ReceiverHandle | undefined;
  let stack: Stack | undefined;
  beforeAll(async () => {
    await ensureBuilt();
    receiver = await startReceiver();
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    await receiver?.close();
    if (stack) {
      const admin = new Client({ connectionString: requireEnv("DATABASE_URL") });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${new URL(stack.databaseUrl).pathname.slice(1)}" WITH (FORCE)`);
      await admin.end();
    }
  });
  return {
    receiver: () => receiver!,
    setStack: (s) => (stack = s),
  };
}
