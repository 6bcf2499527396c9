import { ApiClient, deliveryBodyBytes, setupAccount } from "../harness/api-client";
import { openLoopStep, warmUp } from "./open-loop-step";
import { startStack } from "../harness/stack";
import type { BenchContext, Cell, Scenario, ScenarioResult } from "./types";

/**
 * 5. Isolation: ten webhooks per event; the tenth lives on an origin of its own and, in the
 * second run, never answers (every attempt runs into the 5 s delivery timeout). The p99 of the
 * nine healthy ones is compared with the same run where the tenth answers. The default
 * per-webhook in-flight cap applies here.
 */
const WEBHOOKS = 10;
const RETRY_SCHEDULE = "0,1s";

export const isolation: Scenario = {
  name: "isolation",
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    // Well inside what one worker drains today, so the two runs differ by the dead webhook alone.
    const rate = 10;
    const durationMs = ctx.opts.quick ? 8_000 : 15_000;
    const healthyPaths = Array.from({ length: WEBHOOKS - 1 }, (_, i) => `/hook/iso-${i}`);
    const deadPath = "/hook/iso-dead";
    const rows: Record<string, Cell>[] = [];
    const p99: number[] = [];
    for (const dead of [false, true]) {
      const label = dead ? "one dead webhook" : "all answer";
      ctx.log(`isolation: ${label}, ${rate} events/s × ${WEBHOOKS} webhooks for ${durationMs / 1000} s`);
      await ctx.receiver.setHanging(dead ? [deadPath] : []);
      const stack = await startStack({
        name: dead ? "isolation-dead" : "isolation-ok",
        adminDatabaseUrl: ctx.databaseUrl,
        redisUrl: ctx.redisUrl,
        concurrency: ctx.opts.concurrency,
      profileDir: ctx.opts.profileDir,
        env: { HOOKRELAY_RETRY_SCHEDULE: RETRY_SCHEDULE },
      });
      const admin = new ApiClient(stack.apiUrl, stack.adminKey, 2);
      try {
        const urls = [...healthyPaths.map((p) => `${ctx.receiver.url}${p}`), `${ctx.receiver.altUrl}${deadPath}`];
        const { apiKey } = await setupAccount(admin, "isolation", urls);
        stack.startWorkers(ctx.opts.workers);
        const client = admin.withKey(apiKey, 32);
        await warmUp(client, ctx.receiver, { ratePerSec: rate, fanOut: WEBHOOKS - 1, paths: healthyPaths });
        const tag = dead ? "isolation-dead" : "isolation-ok";
        const { row, stats } = await openLoopStep(client, ctx.receiver, {
          tag,
          ratePerSec: rate,
          durationMs,
          fanOut: WEBHOOKS - 1,
          paths: healthyPaths,
          graceMs: 10_000,
        });
        await client.close();
        const deadSeen = await ctx.receiver.stats({ tag, paths: [deadPath] });
        p99.push(stats.latency.p99 ?? Number.NaN);
        rows.push({
          run: label,
          "healthy delivered": row.delivered ?? null,
          "healthy not arrived": row["not arrived"] ?? null,
          "healthy p50 ms": row["p50 ms"] ?? null,
          "healthy p95 ms": row["p95 ms"] ?? null,
          "healthy p99 ms": row["p99 ms"] ?? null,
          "healthy max ms": row["max ms"] ?? null,
          "10th webhook requests": deadSeen.requests,
        });
      } finally {
        await admin.close();
        await stack.stop();
        await ctx.receiver.setHanging([]);
      }
    }
    const ratio = p99[0] && p99[1] ? Math.round((p99[1] / p99[0]) * 100) / 100 : null;
    return {
      name: "isolation",
      title: "Isolation: p99 of 9 healthy webhooks with and without a dead 10th",
      params: {
        "events/s": rate,
        seconds: durationMs / 1000,
        "webhooks/event": WEBHOOKS,
        "body bytes": deliveryBodyBytes(),
        "worker processes": ctx.opts.workers,
        concurrency: ctx.opts.concurrency,
        HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: "10 (default)",
        HOOKRELAY_RETRY_SCHEDULE: RETRY_SCHEDULE,
        HOOKRELAY_DELIVERY_TIMEOUT_MS: "5000 (default)",
      },
      rows: [...rows, { run: "p99 ratio (dead / all answer)", "healthy p99 ms": ratio }],
      notes: ["the 10th webhook is on a second receiver origin in both runs, so it never shares the 9 healthy ones' connection pool"],
    };
  },
};
