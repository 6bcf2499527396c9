import IORedis from "ioredis";
import { ApiClient, setupAccount } from "../harness/api-client";
import { stackCpuGroups, startCpuMeter } from "../harness/cpu";
import { startStack } from "../harness/stack";
import { sleep, waitFor } from "../harness/stats";
import { emitBatches } from "./emit";
import type { BenchContext, Cell, Scenario, ScenarioResult } from "./types";

/**
 * What waiting costs: the stack's CPU per second while deliveries wait on a hung endpoint held
 * to the default in-flight cap (10 attempts, each running into the 5 s timeout), with a small
 * backlog (just enough to keep 10 in flight) and with a large one. Waiting should cost nothing:
 * the two should spend about the same.
 */
const SMALL = 200;

export const hungBacklog: Scenario = {
  name: "hung-backlog",
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const large = ctx.opts.quick ? 20_000 : 100_000;
    const measureMs = ctx.opts.quick ? 15_000 : 30_000;
    const path = "/hook/hung-backlog";
    const rows: Record<string, Cell>[] = [];
    const redis = new IORedis(ctx.redisUrl, { maxRetriesPerRequest: null });
    await ctx.receiver.setHanging([path]);
    try {
      for (const backlog of [SMALL, large]) {
        // A short recovery window, so that its one look at each new delivery is over before
        // the measurement (with the default 30 s + 30 s it would fall inside it).
        const stack = await startStack({
          name: `hung-${backlog}`,
          adminDatabaseUrl: ctx.databaseUrl,
          redisUrl: ctx.redisUrl,
          concurrency: ctx.opts.concurrency,
          env: { HOOKRELAY_RECOVERY_INTERVAL: "5s", HOOKRELAY_RECOVERY_GRACE: "5s" },
        });
        const admin = new ApiClient(stack.apiUrl, stack.adminKey, 2);
        try {
          const { apiKey } = await setupAccount(admin, `hung-${backlog}`, [`${ctx.receiver.altUrl}${path}`]);
          stack.startWorkers(ctx.opts.workers);
          await stack.workersReady();
          ctx.log(`hung-backlog: queueing ${backlog} deliveries for a hung endpoint`);
          const tag = `hung-${backlog}`;
          const client = admin.withKey(apiKey, 4);
          await emitBatches(client, tag, backlog, { batchSize: 100, parallel: 4 });
          await client.close();
          // Past the ingest, the first round of timeouts and the recovery sweep's look at the
          // new deliveries, with the tables vacuumed: into the steady state of waiting.
          const ingestedAt = Date.now();
          await waitFor(async () => (await ctx.receiver.stats({ tag })).requests >= 20, 30_000, 250);
          await waitFor(async () => Number((await redis.get(`${stack.prefix}:fair:swept`)) ?? 0) > ingestedAt, 60_000, 500);
          await stack.db.query("VACUUM ANALYZE");
          await sleep(2_000);
          const before = (await ctx.receiver.stats({ tag })).requests;
          const cpu = startCpuMeter(stackCpuGroups(stack, ctx.receiver.pid));
          await sleep(measureMs);
          const used = cpu.stop();
          const attempts = (await ctx.receiver.stats({ tag })).requests - before;
          const { rows: pending } = await stack.db.query<{ n: string }>("SELECT count(*) AS n FROM deliveries WHERE status = 'pending'");
          const perSecond = (g: string) => Math.round(((used[g] ?? 0) * 1000 * 10) / (measureMs / 1000)) / 10;
          const stackMs = ["api", "worker", "postgres", "redis"].reduce((sum, g) => sum + perSecond(g), 0);
          rows.push({
            "deliveries waiting": Number(pending[0]!.n),
            "attempts in the window": attempts,
            "attempts/s": Math.round((attempts / (measureMs / 1000)) * 10) / 10,
            "api CPU ms/s": perSecond("api"),
            "worker CPU ms/s": perSecond("worker"),
            "postgres CPU ms/s": perSecond("postgres"),
            "redis CPU ms/s": perSecond("redis"),
            "stack CPU ms/s": Math.round(stackMs * 10) / 10,
          });
        } finally {
          await admin.close();
          await stack.stop();
        }
      }
    } finally {
      redis.disconnect();
      await ctx.receiver.setHanging([]);
    }
    const [small, big] = rows;
    return {
      name: "hung-backlog",
      title: "Waiting costs nothing: the stack's CPU while deliveries wait on a hung, capped endpoint",
      params: {
        "seconds measured": measureMs / 1000,
        HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: "10 (default)",
        HOOKRELAY_DELIVERY_TIMEOUT_MS: "5000 (default)",
        "HOOKRELAY_RECOVERY_INTERVAL, _GRACE": "5s, 5s",
        "worker processes": ctx.opts.workers,
      },
      rows: [
        ...rows,
        {
          "deliveries waiting": "ratio large / small",
          "stack CPU ms/s": small && big && Number(small["stack CPU ms/s"]) > 0 ? Math.round((Number(big["stack CPU ms/s"]) / Number(small["stack CPU ms/s"])) * 100) / 100 : null,
        },
      ],
      notes: ["both keep the cap's 10 attempts in flight throughout; only the number waiting behind them differs"],
    };
  },
};
