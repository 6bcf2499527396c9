import { ApiClient, apiUrlsFor, setupAccount } from "../harness/api-client";
import { startStack } from "../harness/stack";
import { nowMs, round1 } from "../harness/stats";
import { DAY_MS, seedLog } from "./log-seed";
import { openLoopStep, warmUp } from "./open-loop-step";
import type { BenchContext, Cell, Scenario, ScenarioResult } from "./types";

/**
 * A bulk replay (issue #13) beside live traffic: 1,000,000 failed deliveries of one webhook
 * (100,000 with --quick), written by SQL, replayed through POST /v1/webhooks/:id/replay to a
 * receiver that answers at once, at the default settings (HOOKRELAY_REPLAY_RATE and the
 * in-flight bound), while another account's three webhooks take the sustained load. Reports the
 * replay's throughput (deliveries resent per second, from the replay's own count and from the
 * receiver) and the live p99 before and during it. The replay is cancelled after the window:
 * at the default rate a million take hours, and the rate is what is measured.
 */
const LIVE_WEBHOOKS = 3;
const DEFAULT_RATE = 300;
const PHASE_MS = 30_000;

interface ReplayDto {
  id: string;
  status: string;
  matched: number;
  replayed: number;
}

export const replay: Scenario = {
  name: "replay",
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const RATE = ctx.opts.liveRate ?? DEFAULT_RATE;
    const failed = ctx.opts.quick ? 100_000 : 1_000_000;
    const duringMs = ctx.opts.quick ? PHASE_MS : 2 * PHASE_MS;
    const stack = await startStack({ name: "replay", adminDatabaseUrl: ctx.databaseUrl, redisUrl: ctx.redisUrl, concurrency: ctx.opts.concurrency });
    const admin = new ApiClient(stack.apiUrl, stack.adminKey, 2);
    const rows: Record<string, Cell>[] = [];
    const notes: string[] = [];
    try {
      const owner = await setupAccount(admin, "replay-owner", apiUrlsFor(ctx.receiver.url, "replay-target", 1));
      const live = await setupAccount(admin, "replay-live", apiUrlsFor(ctx.receiver.url, "replay-live", LIVE_WEBHOOKS));
      const webhookId = owner.webhookIds[0]!;
      ctx.log(`replay: writing ${failed.toLocaleString("en")} failed deliveries of one webhook`);
      const t = nowMs();
      const endMs = Date.now() - 60_000;
      await seedLog(stack.db, { accountId: owner.accountId, webhookIds: [webhookId], measuredShare: 1, endMs, days: 1, failEvery: 1 }, 0, failed, { parallel: 2 });
      await stack.db.query("ANALYZE events; ANALYZE deliveries; ANALYZE delivery_attempts");
      notes.push(`seeded ${failed.toLocaleString("en")} failed deliveries (one event and one attempt each) over the last day in ${round1((nowMs() - t) / 1000)} s`);
      stack.startWorkers(ctx.opts.workers);
      await stack.workersReady();

      const ownerClient = admin.withKey(owner.apiKey, 2);
      const since = new Date(endMs - DAY_MS - 3_600_000).toISOString();
      const dry = await ownerClient.post(`/v1/webhooks/${webhookId}/replay`, { since, dryRun: true });
      notes.push(`dry run: ${dry.status}, matched ${String((dry.body as { matched?: number }).matched)}`);

      const liveClient = (n: number) => admin.withKey(live.apiKey, n);
      const warm = liveClient(16);
      await warmUp(warm, ctx.receiver, { ratePerSec: RATE, fanOut: LIVE_WEBHOOKS });
      await warm.close();
      ctx.log(`replay: live load ${RATE} events/s for ${PHASE_MS / 1000} s before the replay`);
      const pre = liveClient(64);
      const before = await openLoopStep(pre, ctx.receiver, { tag: "replay-live-before", ratePerSec: RATE, durationMs: PHASE_MS, fanOut: LIVE_WEBHOOKS, graceMs: 10_000 });
      await pre.close();
      rows.push({ phase: "live, before the replay", ...before.row });

      await ctx.receiver.forget("untagged");
      const started = await ownerClient.post(`/v1/webhooks/${webhookId}/replay`, { since });
      if (started.status !== 202) throw new Error(`replay answered ${started.status}: ${JSON.stringify(started.body)}`);
      const r0 = started.body as ReplayDto;
      const startedAt = nowMs();
      ctx.log(`replay: ${r0.id} matched ${r0.matched}; live load for ${duringMs / 1000} s during it`);
      const during = liveClient(64);
      const duringStep = await openLoopStep(during, ctx.receiver, { tag: "replay-live-during", ratePerSec: RATE, durationMs: duringMs, fanOut: LIVE_WEBHOOKS, graceMs: 10_000 });
      await during.close();
      const got = (await ownerClient.get(`/v1/replays/${r0.id}`)).body as ReplayDto;
      const elapsed = (nowMs() - startedAt) / 1000;
      const arrived = await ctx.receiver.stats({ tag: "untagged" });
      rows.push({ phase: "live, during the replay", ...duringStep.row });
      const cancel = await ownerClient.post(`/v1/replays/${r0.id}/cancel`, {});
      await ownerClient.close();
      const perSecReplayed = round1(got.replayed / elapsed);
      const perSecArrived = round1(arrived.unique / elapsed);
      rows.push({
        phase: "the replay",
        matched: r0.matched,
        "replayed (its count)": got.replayed,
        "arrived at the receiver": arrived.unique,
        duplicates: arrived.duplicates,
        seconds: round1(elapsed),
        "replayed/s": perSecReplayed,
        "arrived/s": perSecArrived,
        "status at the end": got.status,
        "cancel answer": cancel.status,
      });
      const p99b = Number(before.row["p99 ms"]);
      const p99d = Number(duringStep.row["p99 ms"]);
      notes.push(`live p99 during ÷ before: ${p99b > 0 ? Math.round((p99d / p99b) * 100) / 100 : "-"} (target ≤ 2)`);
      notes.push(`at ${perSecReplayed}/s all ${r0.matched.toLocaleString("en")} would take ${perSecReplayed > 0 ? round1(r0.matched / perSecReplayed / 60) : "-"} min; the replay was cancelled after the window`);
      notes.push(`live load: another account, ${RATE} events/s × ${LIVE_WEBHOOKS} webhooks over HTTP, open loop; settings: ${stack.settings.HOOKRELAY_REPLAY_RATE ?? "HOOKRELAY_REPLAY_RATE default (100/s)"}, in-flight bound default`);
    } finally {
      await admin.close();
      await stack.stop();
    }
    return {
      name: "replay",
      title: `Bulk replay of ${failed.toLocaleString("en")} failed deliveries beside live traffic`,
      params: { "failed deliveries": failed, "live events/s": RATE, "live webhooks/event": LIVE_WEBHOOKS, "seconds during": duringMs / 1000 },
      rows,
      notes,
    };
  },
};
