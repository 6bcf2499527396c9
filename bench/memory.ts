import { ApiClient, apiUrlsFor, deliveryBodyBytes, setupAccount } from "../harness/api-client";
import { openLoopStep, warmUp } from "./open-loop-step";
import { rssSummary, startStack, type MemoryTrace } from "../harness/stack";
import type { BenchContext, Cell, Scenario, ScenarioResult } from "./types";

/**
 * 6. Memory: the peak RSS of the API and of each worker during the drain (sampled there), and
 * RSS at the start and end of a long sustained run, to show growth beyond noise.
 */
const WEBHOOKS = 3;
// Inside what one worker delivers today, so a backlog does not pass for a leak.
const RATE = 50;
const IN_FLIGHT = "1000";

export const memory: Scenario = {
  name: "memory",
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const durationMs = ctx.opts.quick ? 30_000 : 300_000;
    const rows: Record<string, Cell>[] = [];
    const notes: string[] = [];
    if (ctx.shared.drainMemory) {
      for (const t of ctx.shared.drainMemory) rows.push(row("drain", t));
    } else {
      notes.push("drain did not run in this invocation: no drain peaks");
    }

    const stack = await startStack({
      name: "memory",
      adminDatabaseUrl: ctx.databaseUrl,
      redisUrl: ctx.redisUrl,
      concurrency: ctx.opts.concurrency,
      profileDir: ctx.opts.profileDir,
      env: { HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: IN_FLIGHT },
    });
    const admin = new ApiClient(stack.apiUrl, stack.adminKey, 2);
    try {
      const { apiKey } = await setupAccount(admin, "memory", apiUrlsFor(ctx.receiver.url, "memory", WEBHOOKS));
      stack.startWorkers(ctx.opts.workers);
      const client = admin.withKey(apiKey, 32);
      await warmUp(client, ctx.receiver, { ratePerSec: RATE, fanOut: WEBHOOKS });
      stack.sampleMemory(1_000);
      ctx.log(`memory: ${RATE} events/s × ${WEBHOOKS} webhooks for ${durationMs / 1000} s`);
      const { row: step } = await openLoopStep(client, ctx.receiver, { tag: "memory", ratePerSec: RATE, durationMs, fanOut: WEBHOOKS, graceMs: 5_000 });
      await client.close();
      for (const t of stack.memory()) rows.push(row(`sustained ${durationMs / 1000} s`, t));
      notes.push(
        `sustained run: ${step.delivered} delivered, ${step["deliveries/s achieved"]} deliveries/s, p99 ${step["p99 ms"]} ms, ${step["not arrived"]} not arrived`,
      );
    } finally {
      await admin.close();
      await stack.stop();
    }
    return {
      name: "memory",
      title: "Memory: RSS (MiB) of each process",
      params: {
        "sustained events/s": RATE,
        "sustained seconds": durationMs / 1000,
        "webhooks/event": WEBHOOKS,
        "body bytes": deliveryBodyBytes(),
        "worker processes": ctx.opts.workers,
        concurrency: ctx.opts.concurrency,
        "sample interval": "250 ms (drain), 1 s (sustained)",
      },
      rows,
      notes,
    };
  },
};

function row(phase: string, t: MemoryTrace): Record<string, Cell> {
  const s = rssSummary(t);
  // The first samples of a fresh process are start-up, not steady state: "start" is at 10 %.
  const warm = t.samples[Math.floor(t.samples.length / 10)]?.[1] ?? null;
  return {
    phase,
    process: t.name,
    "first MiB": s.first,
    "start (10%) MiB": warm,
    "end MiB": s.last,
    "peak MiB": s.peak,
    "growth start→end MiB": warm !== null && s.last !== null ? Math.round((s.last - warm) * 10) / 10 : null,
    samples: t.samples.length,
  };
}
