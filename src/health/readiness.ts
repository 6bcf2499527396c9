import type { Redis } from "ioredis";
import type { Db } from "../lib/prisma";

export type CheckResult = "ok" | string;

export interface Readiness {
  ready: boolean;
  checks: { postgres: CheckResult; redis: CheckResult };
}

/** A dependency that hangs is as unready as one that refuses; neither may hang the probe. */
const CHECK_TIMEOUT_MS = 2_000;

export function createReadinessProbe(deps: { db: Db; redis: Redis }) {
  return async (): Promise<Readiness> => {
    const [postgres, redis] = await Promise.all([
      check(async () => {
        await deps.db.$queryRaw`SELECT 1`;
      }),
      check(async () => {
        await deps.redis.ping();
      }),
    ]);
    return { ready: postgres === "ok" && redis === "ok", checks: { postgres, redis } };
  };
}

async function check(probe: () => Promise<void>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${CHECK_TIMEOUT_MS} ms`), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([probe().then(() => "ok" as const), timeout]);
  } catch (err) {
    return err instanceof Error ? err.message.split("\n")[0]! : String(err);
  } finally {
    clearTimeout(timer);
  }
}
