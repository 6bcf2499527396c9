import { ApiClient, apiUrlsFor, deliveryBodyBytes, setupAccount } from "../harness/api-client";
import { emitBatches } from "./emit";
import { cpuPerUnit, stackCpuGroups, startCpuMeter } from "../harness/cpu";
import { startStack } from "../harness/stack";
import { perSec, round1, sleep, waitFor } from "../harness/stats";
import type { BenchContext, Scenario, ScenarioResult } from "./types";

/**
 * 2. Drain: deliveries already ingested (API up, no worker), then the worker processes start;
 * deliveries/s until every delivery is `succeeded` in Postgres, and the ratio to the baseline.
 * The window is measured in the database: first attempt started → last delivery row settled.
 * SQL transactions per delivery (pg_stat_database) count the worker's round trips.
 */
const WEBHOOKS = 5;
const IN_FLIGHT = "1000";
/** While the pipeline is slow a full drain would not fit the run's 10 minutes: measure what settles by then. */
const CAP_MS = { quick: 20_000, full: 60_000 };

export const drain: Scenario = {
  name: "drain",
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const events = ctx.opts.quick ? 2_000 : 10_000;
    const total = events * WEBHOOKS;
    const stack = await startStack({
      name: "drain",
      adminDatabaseUrl: ctx.databaseUrl,
      redisUrl: ctx.redisUrl,
      concurrency: ctx.opts.concurrency,
      profileDir: ctx.opts.profileDir,
      env: { HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: IN_FLIGHT },
    });
    const admin = new ApiClient(stack.apiUrl, stack.adminKey, 2);
    const notes: string[] = [];
    try {
      const { apiKey } = await setupAccount(admin, "drain", apiUrlsFor(ctx.receiver.url, "drain", WEBHOOKS));
      const client = admin.withKey(apiKey, 4);
      ctx.log(`drain: ingesting ${events} events × ${WEBHOOKS} webhooks through /v1/events/batch`);
      const ingestStart = Date.now();
      await emitBatches(client, "drain", events, { batchSize: 100, parallel: 4 });
      const ingestMs = Date.now() - ingestStart;
      await client.close();

      const xacts = async () =>
        Number((await stack.db.query<{ n: string }>("SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()")).rows[0]!.n);
      const xactsBefore = await xacts();
      stack.sampleMemory(250);
      ctx.log(`drain: starting ${ctx.opts.workers} worker process(es)`);
      const started = Date.now();
      stack.startWorkers(ctx.opts.workers);
      const cpu = startCpuMeter(stackCpuGroups(stack, ctx.receiver.pid));
      const counts = async () => {
        const { rows } = await stack.db.query<{ status: string; n: string }>("SELECT status::text AS status, count(*) AS n FROM deliveries GROUP BY status");
        return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])) as Record<string, number>;
      };
      const capMs = ctx.opts.quick ? CAP_MS.quick : CAP_MS.full;
      const done = await waitFor(async () => ((await counts()).succeeded ?? 0) >= total, capMs, 250);
      const wallMs = Date.now() - started;
      const cpuUsed = cpu.stop();
      ctx.shared.drainMemory = stack.memory();
      await stack.stopWorkers();
      const final = await counts();
      // Backends report their statistics within a second of going idle.
      await sleep(1_500);
      const xactsPerDelivery = (await xacts()) - xactsBefore;
      const { rows } = await stack.db.query<{ first: Date | null; last: Date | null; attempts: string }>(
        `SELECT (SELECT min(started_at) FROM delivery_attempts) AS first,
                (SELECT max(updated_at) FROM deliveries WHERE status = 'succeeded') AS last,
                (SELECT count(*) FROM delivery_attempts) AS attempts`,
      );
      const w = rows[0]!;
      const windowMs = w.first && w.last ? w.last.getTime() - w.first.getTime() : 0;
      const rate = perSec(final.succeeded ?? 0, windowMs);
      const received = await ctx.receiver.stats({ tag: "drain" });
      if (!done) notes.push(`stopped after ${capMs / 1000} s with ${total - (final.succeeded ?? 0)} of ${total} not yet succeeded (${JSON.stringify(final)}): the rate is over what settled`);
      if (ctx.shared.baselinePerSec === undefined) notes.push("no baseline in this run (--only?): ratio not computed");
      return {
        name: "drain",
        title: "Drain: pre-ingested deliveries, then the real worker processes",
        params: {
          events,
          "webhooks/event": WEBHOOKS,
          deliveries: total,
          "body bytes": deliveryBodyBytes(),
          "worker processes": ctx.opts.workers,
          concurrency: ctx.opts.concurrency,
          HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: IN_FLIGHT,
          "db pool/process": "10 (default)",
        },
        rows: [
          {
            succeeded: final.succeeded ?? 0,
            attempts: Number(w.attempts),
            "receiver duplicates": received.duplicates,
            "SQL transactions/delivery": final.succeeded ? Math.round((xactsPerDelivery / final.succeeded) * 10) / 10 : null,
            "seconds (first attempt→last settled)": round1(windowMs / 1000),
            "deliveries/s": rate,
            "deliveries/s incl. start-up": perSec(final.succeeded ?? 0, wallMs),
            "× baseline": rate !== null && ctx.shared.baselinePerSec ? Math.round((rate / ctx.shared.baselinePerSec) * 100) / 100 : null,
            "ingest events/s (batch setup)": perSec(events, ingestMs),
            "CPU ms/delivery": cpuPerUnit(cpuUsed, final.succeeded ?? 0),
          },
        ],
        notes,
      };
    } finally {
      await admin.close();
      await stack.stop();
    }
  },
};
