import { deliveryBodyBytes } from "../harness/api-client";
import { cpuPerUnit } from "../harness/cpu";
import { perSec, round1 } from "../harness/stats";
import { drainRun } from "./drain-run";
import type { BenchContext, Scenario, ScenarioResult } from "./types";

/**
 * 2. Drain: deliveries already ingested (API up, no worker), then the worker processes start;
 * deliveries/s until every delivery is `succeeded` in Postgres, and the ratio to the baseline.
 * The window is measured in the database: first attempt started → last delivery row settled.
 * SQL transactions per delivery (pg_stat_database) count the worker's round trips. The run
 * itself is bench/drain-run.ts, shared with the observability scenario.
 */
const WEBHOOKS = 5;
const IN_FLIGHT = "1000";
/** While the pipeline is slow a full drain would not fit the run's 10 minutes: measure what settles by then. */
const CAP_MS = { quick: 20_000, full: 60_000 };

export const drain: Scenario = {
  name: "drain",
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const events = ctx.opts.quick ? 2_000 : 10_000;
    const capMs = ctx.opts.quick ? CAP_MS.quick : CAP_MS.full;
    const r = await drainRun(ctx, { name: "drain", events, webhooks: WEBHOOKS, capMs, env: { HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: IN_FLIGHT } });
    ctx.shared.drainMemory = r.memory;
    const rate = perSec(r.succeeded, r.windowMs);
    const notes: string[] = [];
    if (!r.done) notes.push(`stopped after ${capMs / 1000} s with ${r.total - r.succeeded} of ${r.total} not yet succeeded (${JSON.stringify(r.final)}): the rate is over what settled`);
    if (ctx.shared.baselinePerSec === undefined) notes.push("no baseline in this run (--only?): ratio not computed");
    return {
      name: "drain",
      title: "Drain: pre-ingested deliveries, then the real worker processes",
      params: {
        events,
        "webhooks/event": WEBHOOKS,
        deliveries: r.total,
        "body bytes": deliveryBodyBytes(),
        "worker processes": ctx.opts.workers,
        concurrency: ctx.opts.concurrency,
        HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: IN_FLIGHT,
        "db pool/process": "10 (default)",
      },
      rows: [
        {
          succeeded: r.succeeded,
          attempts: r.attempts,
          "receiver duplicates": r.receiverDuplicates,
          "SQL transactions/delivery": r.succeeded ? Math.round((r.xacts / r.succeeded) * 10) / 10 : null,
          "seconds (first attempt→last settled)": round1(r.windowMs / 1000),
          "deliveries/s": rate,
          "deliveries/s incl. start-up": perSec(r.succeeded, r.wallMs),
          "× baseline": rate !== null && ctx.shared.baselinePerSec ? Math.round((rate / ctx.shared.baselinePerSec) * 100) / 100 : null,
          "ingest events/s (batch setup)": perSec(events, r.ingestMs),
          "CPU ms/delivery": cpuPerUnit(r.cpu, r.succeeded),
        },
      ],
      notes,
    };
  },
};
