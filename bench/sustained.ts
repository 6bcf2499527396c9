import { ApiClient, apiUrlsFor, deliveryBodyBytes, setupAccount } from "../harness/api-client";
import { openLoopStep, warmUp } from "./open-loop-step";
import { stackCpuGroups } from "../harness/cpu";
import { startStack } from "../harness/stack";
import type { BenchContext, Scenario, ScenarioResult } from "./types";

/**
 * 3. Sustained end-to-end: single events POSTed over HTTP at fixed rates (open loop), three
 * subscribed webhooks each; achieved deliveries/s and ingest-request → receiver-arrival latency.
 */
const WEBHOOKS = 3;
const IN_FLIGHT = "1000";
const GRACE_MS = 5_000;

export const sustained: Scenario = {
  name: "sustained",
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const rates = ctx.opts.quick ? [100, 250, 500] : [100, 250, 500, 1_000, 2_000];
    const durationMs = ctx.opts.quick ? 8_000 : 30_000;
    const stack = await startStack({
      name: "sustained",
      adminDatabaseUrl: ctx.databaseUrl,
      redisUrl: ctx.redisUrl,
      concurrency: ctx.opts.concurrency,
      profileDir: ctx.opts.profileDir,
      env: { HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: IN_FLIGHT },
    });
    const admin = new ApiClient(stack.apiUrl, stack.adminKey, 2);
    const rows = [];
    const notes: string[] = [];
    try {
      const { apiKey } = await setupAccount(admin, "sustained", apiUrlsFor(ctx.receiver.url, "sustained", WEBHOOKS));
      stack.startWorkers(ctx.opts.workers);
      const warm = admin.withKey(apiKey, 16);
      await warmUp(warm, ctx.receiver, { ratePerSec: rates[0]!, fanOut: WEBHOOKS });
      await warm.close();
      for (const rate of rates) {
        ctx.log(`sustained: ${rate} events/s for ${durationMs / 1000} s`);
        // A fresh pool per step: requests a previous step left unanswered are dropped with it.
        const client = admin.withKey(apiKey, 64);
        const { row } = await openLoopStep(client, ctx.receiver, { tag: `sustained-${rate}`, ratePerSec: rate, durationMs, fanOut: WEBHOOKS, graceMs: GRACE_MS, cpu: stackCpuGroups(stack, ctx.receiver.pid) });
        await client.close();
        rows.push(row);
        if (Number(row["not arrived"]) > 0) {
          // Over capacity: a higher rate would only measure a longer queue (and cost the run a minute).
          const skipped = rates.filter((r) => r > rate);
          notes.push(
            `${rate}/s is over capacity: ${row["not arrived"]} deliveries had not arrived ${GRACE_MS / 1000} s after the last send` +
              (skipped.length > 0 ? `; ${skipped.join(" and ")}/s not run` : ""),
          );
          break;
        }
      }
    } finally {
      await admin.close();
      await stack.stop();
    }
    return {
      name: "sustained",
      title: "Sustained end-to-end, open loop (latency: ingest request due → receiver arrival)",
      params: {
        "events/s": rates.join(", "),
        "seconds each": durationMs / 1000,
        "webhooks/event": WEBHOOKS,
        "body bytes": deliveryBodyBytes(),
        "worker processes": ctx.opts.workers,
        concurrency: ctx.opts.concurrency,
        HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: IN_FLIGHT,
        "client connections": 64,
      },
      rows,
      notes,
    };
  },
};
