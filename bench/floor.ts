import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { Queue } from "bullmq";
import IORedis from "ioredis";
import { ApiClient, apiUrlsFor, deliveryBodyBytes } from "../harness/api-client";
import { SERVICE_GROUPS } from "../harness/cpu";
import { freePort } from "../harness/stack";
import { climb, ladderParams } from "./ladder";
import type { BenchContext, Scenario, ScenarioResult } from "./types";

/**
 * The floor: the sustained scenario's pipeline built by hand from the same libraries with no
 * database (express ingest → BullMQ → HMAC-SHA256 → undici POST), in the same processes (one
 * ingest, `--workers` workers at the same concurrency), on the same ladder, receiver and load.
 * What hookrelay adds (durability, auth, idempotency, logs, fairness) is the difference.
 */
const WEBHOOKS = 3;
const CONNECTIONS_PER_ORIGIN = 16; // HOOKRELAY_CONNECTIONS_PER_ORIGIN's default

function start(script: string, env: Record<string, string>): Promise<ChildProcess> {
  const child = fork(join(__dirname, script), [], { stdio: ["ignore", "inherit", "inherit", "ipc"], env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    child.once("message", () => resolve(child));
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

async function stop(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null) return resolve();
          c.once("exit", () => resolve());
          c.disconnect();
          setTimeout(() => c.kill("SIGKILL"), 5_000).unref();
        }),
    ),
  );
}

export const floor: Scenario = {
  name: "floor",
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const prefix = `bench-floor-${Date.now().toString(36)}`;
    const port = await freePort();
    const env = {
      REDIS_URL: ctx.redisUrl,
      BENCH_PREFIX: prefix,
      BENCH_QUEUE: "floor",
      BENCH_TARGETS: apiUrlsFor(ctx.receiver.url, "floor", WEBHOOKS).join(","),
      BENCH_CONCURRENCY: String(ctx.opts.concurrency),
      BENCH_CONNECTIONS: String(CONNECTIONS_PER_ORIGIN),
      PORT: String(port),
    };
    const children: ChildProcess[] = [];
    try {
      children.push(await start("floor-api.js", env));
      for (let i = 0; i < ctx.opts.workers; i++) children.push(await start("floor-worker.js", env));
      const pids = (from: number, to?: number) => () => children.slice(from, to).flatMap((c) => (c.pid !== undefined && c.exitCode === null ? [c.pid] : []));
      const ladder = await climb(ctx, {
        tag: "floor",
        client: (n) => new ApiClient(`http://127.0.0.1:${port}`, "none", n),
        receiver: ctx.receiver,
        fanOut: WEBHOOKS,
        cpu: { api: { pids: pids(0, 1) }, worker: { pids: pids(1) }, redis: SERVICE_GROUPS.redis!, receiver: { pids: () => [ctx.receiver.pid] }, bench: { pids: () => [process.pid] } },
      });
      if (ladder.best !== null) ctx.shared.floorPerSec = ladder.best;
      return {
        name: "floor",
        title: "Floor: express ingest → BullMQ → HMAC → undici, no database, the sustained ladder",
        params: { ...ladderParams(ctx), "webhooks/event": WEBHOOKS, "body bytes": deliveryBodyBytes(), "worker processes": ctx.opts.workers, concurrency: ctx.opts.concurrency, "connections/origin": CONNECTIONS_PER_ORIGIN },
        rows: [...ladder.rows, { "events/s offered": "best", "deliveries/s achieved": ladder.best }],
        notes: ladder.notes,
      };
    } finally {
      await stop(children);
      const connection = new IORedis(ctx.redisUrl, { maxRetriesPerRequest: null });
      const queue = new Queue("floor", { connection, prefix });
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      connection.disconnect();
    }
  },
};
