import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { Queue } from "bullmq";
import IORedis from "ioredis";
import { deliveryBodyBytes } from "../harness/api-client";
import { cpuPerUnit, SERVICE_GROUPS, startCpuMeter } from "../harness/cpu";
import type { BaselineJob } from "./baseline-worker";
import { perSec, round1, waitFor } from "../harness/stats";
import type { BenchContext, Scenario, ScenarioResult } from "./types";

/**
 * 1. Baseline: the floor of this design on this machine. A bare BullMQ queue on the same
 * Redis, drained by the same number of processes at the same concurrency, each job signed and
 * POSTed to the same receiver; no database.
 */
const CONNECTIONS_PER_ORIGIN = 16; // HOOKRELAY_CONNECTIONS_PER_ORIGIN's default

export const baseline: Scenario = {
  name: "baseline",
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const jobs = ctx.opts.quick ? 10_000 : 50_000;
    const prefix = `bench-baseline-${Date.now().toString(36)}`;
    const queueName = "baseline";
    const connection = new IORedis(ctx.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue<BaselineJob>(queueName, { connection, prefix, defaultJobOptions: { removeOnComplete: true, removeOnFail: true } });
    await ctx.receiver.forget("baseline");

    ctx.log(`baseline: enqueueing ${jobs} jobs`);
    for (let i = 0; i < jobs; i += 1_000) {
      const chunk = Array.from({ length: Math.min(1_000, jobs - i) }, (_, k) => {
        const seq = i + k;
        return { name: "deliver", data: { deliveryId: `dlv_baseline_${seq}`, seq }, opts: { jobId: `dlv_baseline_${seq}-0` } };
      });
      await queue.addBulk(chunk);
    }

    ctx.log(`baseline: draining with ${ctx.opts.workers} process(es) × concurrency ${ctx.opts.concurrency}`);
    const started = Date.now();
    const children: ChildProcess[] = [];
    for (let i = 0; i < ctx.opts.workers; i++) {
      children.push(
        fork(join(__dirname, "baseline-worker.js"), [], {
          stdio: ["ignore", "inherit", "inherit", "ipc"],
          env: {
            ...process.env,
            REDIS_URL: ctx.redisUrl,
            BENCH_PREFIX: prefix,
            BENCH_QUEUE: queueName,
            BENCH_TARGET: `${ctx.receiver.url}/hook/baseline`,
            BENCH_CONCURRENCY: String(ctx.opts.concurrency),
            BENCH_CONNECTIONS: String(CONNECTIONS_PER_ORIGIN),
          },
        }),
      );
    }
    const cpu = startCpuMeter({
      worker: { pids: () => children.flatMap((c) => (c.pid !== undefined && c.exitCode === null ? [c.pid] : [])) },
      redis: SERVICE_GROUPS.redis!,
      receiver: { pids: () => [ctx.receiver.pid] },
    });
    const done = await waitFor(async () => (await ctx.receiver.stats({ tag: "baseline" })).unique >= jobs, 180_000, 100);
    const cpuUsed = cpu.stop();
    const s = await ctx.receiver.stats({ tag: "baseline" });
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            c.once("exit", () => resolve());
            c.disconnect();
            setTimeout(() => {
              c.kill("SIGKILL");
              resolve();
            }, 5_000).unref();
          }),
      ),
    );
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    connection.disconnect();

    const windowMs = s.firstAt !== null && s.lastAt !== null ? s.lastAt - s.firstAt : 0;
    const rate = perSec(s.unique, windowMs);
    if (rate !== null) ctx.shared.baselinePerSec = rate;
    return {
      name: "baseline",
      title: "Baseline: bare BullMQ + HMAC + undici POST, no database",
      params: {
        jobs,
        "webhooks/event": 1,
        "body bytes": deliveryBodyBytes(),
        "worker processes": ctx.opts.workers,
        concurrency: ctx.opts.concurrency,
        "connections/origin": CONNECTIONS_PER_ORIGIN,
      },
      rows: [
        {
          delivered: s.unique,
          duplicates: s.duplicates,
          "seconds (first→last arrival)": round1(windowMs / 1000),
          "deliveries/s": rate,
          "deliveries/s incl. start-up": s.lastAt !== null ? perSec(s.unique, s.lastAt - started) : null,
          "CPU ms/delivery": cpuPerUnit(cpuUsed, s.unique),
        },
      ],
      notes: done ? [] : [`only ${s.unique} of ${jobs} arrived within 180 s`],
    };
  },
};
