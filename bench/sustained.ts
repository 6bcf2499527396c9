import { ApiClient, apiUrlsFor, deliveryBodyBytes, setupAccount } from "../harness/api-client";
import { stackCpuGroups } from "../harness/cpu";
import { startStack } from "../harness/stack";
import { climb, ladderParams } from "./ladder";
import type { BenchContext, Scenario, ScenarioResult } from "./types";

/**
 * 3. Sustained end-to-end at the default settings: single events POSTed over HTTP at fixed
 * rates (open loop), three subscribed webhooks each; achieved deliveries/s and ingest-request →
 * receiver-arrival latency, on the ladder the floor climbs in the same run.
 */
const WEBHOOKS = 3;

export const sustained: Scenario = {
  name: "sustained",
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const stack = await startStack({
      name: "sustained",
      adminDatabaseUrl: ctx.databaseUrl,
      redisUrl: ctx.redisUrl,
      concurrency: ctx.opts.concurrency,
      profileDir: ctx.opts.profileDir,
    });
    const admin = new ApiClient(stack.apiUrl, stack.adminKey, 2);
    try {
      const { apiKey } = await setupAccount(admin, "sustained", apiUrlsFor(ctx.receiver.url, "sustained", WEBHOOKS));
      stack.startWorkers(ctx.opts.workers);
      await stack.workersReady();
      const ladder = await climb(ctx, { tag: "sustained", client: (n) => admin.withKey(apiKey, n), receiver: ctx.receiver, fanOut: WEBHOOKS, cpu: stackCpuGroups(stack, ctx.receiver.pid) });
      const floor = ctx.shared.floorPerSec;
      const ratio = ladder.best !== null && floor ? Math.round((ladder.best / floor) * 100) / 100 : null;
      return {
        name: "sustained",
        title: "Sustained end-to-end, open loop, default settings (latency: ingest request due → receiver arrival)",
        params: {
          ...ladderParams(ctx),
          "webhooks/event": WEBHOOKS,
          "body bytes": deliveryBodyBytes(),
          "worker processes": ctx.opts.workers,
          concurrency: ctx.opts.concurrency,
          HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: "10 (default)",
          "client connections": 64,
        },
        rows: [...ladder.rows, { "events/s offered": "best", "deliveries/s achieved": ladder.best, "× floor": ratio }],
        notes: [...ladder.notes, ...(floor ? [] : ["no floor in this run (--only without floor?): ratio not computed"])],
      };
    } finally {
      await admin.close();
      await stack.stop();
    }
  },
};
