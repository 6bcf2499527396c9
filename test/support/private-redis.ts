import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../harness/stack";
import { sleep } from "../../harness/stats";
import { closeRedis, createRedis } from "../../src/lib/redis";

/**
 * A Redis server of one test's own, for what the shared one cannot show: counts of commands
 * run (INFO commandstats is server-wide, and other test files share that server).
 */
export async function startPrivateRedis(): Promise<{ url: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "hookrelay-redis-"));
  const port = await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const probe = createRedis(url);
    probe.on("error", () => undefined);
    const ok = await probe.ping().then(() => true, () => false);
    await closeRedis(probe);
    if (ok) break;
    if (i > 100 || child.exitCode !== null) throw new Error(`redis-server did not start on port ${port}`);
    await sleep(50);
  }
  return {
    url,
    async close() {
      child.kill("SIGKILL");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
