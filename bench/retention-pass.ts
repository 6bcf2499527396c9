import { Pool } from "pg";
import { ApiClient, apiUrlsFor, setupAccount } from "../harness/api-client";
import type { ReceiverHandle } from "../harness/receiver";
import { startStack } from "../harness/stack";
import { nowMs, round1, sleep, summarize } from "../harness/stats";
import { createLogger } from "../src/lib/logger";
import { SESSION_SETTINGS } from "../src/lib/prisma";
import { createRetention, type RetentionReport } from "../src/retention/retention";
import { purgeDeletedWebhooks } from "../src/webhooks/purge";
import { startLockSampler } from "./lock-sampler";
import { DAY_MS, partitionedBytes, seedLog, type LogShape } from "./log-seed";
import { openLoopStep, warmUp } from "./open-loop-step";
import type { BenchContext, Cell, Scenario, ScenarioResult } from "./types";

/**
 * A retention pass over 10M expiring rows (events, deliveries and attempts past the 30-day
 * window, 1M with --quick) in 10 daily partitions, while the sustained load runs: live p99
 * (ingest request → receiver arrival) for 30 s before and during the pass, the pass's length,
 * the locks it took (pg_locks every 50 ms: the strongest mode held and awaited per parent table
 * and on the partitions; the longest any backend waited on a lock) and ingest errors.
 * The pass is the container's (src/retention/retention.ts), run by the bench on its own pool;
 * the workers' own timer is set to a day so that it does not run meanwhile.
 */
const WEBHOOKS = 3;
const DEFAULT_RATE = 500;
const PHASE_MS = 30_000;
/** Into the "during" phase, when the pass starts. */
const PASS_AFTER_MS = 5_000;
const EXPIRED_DAYS = 10;

/** p99 of the deliveries whose events were due in [from, to]: computed from each arrival's seq. */
async function p99Within(receiver: ReceiverHandle, tag: string, startedAt: number, rate: number, from: number, to: number): Promise<{ n: number; p99: number | null; max: number | null }> {
  const a = await receiver.arrivals(tag);
  const ms: number[] = [];
  for (let i = 0; i < a.at.length; i++) {
    const due = startedAt + (a.seqs[i]! * 1000) / rate;
    if (a.seqs[i]! >= 0 && due >= from && due <= to) ms.push(a.at[i]! - due);
  }
  const s = summarize(ms);
  return { n: s.n, p99: s.p99, max: s.max };
}

export const retentionPass: Scenario = {
  name: "retention-pass",
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const RATE = ctx.opts.liveRate ?? DEFAULT_RATE;
    const expiring = ctx.opts.quick ? 1_000_000 : 10_000_000;
    const stack = await startStack({
      name: "retention-pass",
      adminDatabaseUrl: ctx.databaseUrl,
      redisUrl: ctx.redisUrl,
      concurrency: ctx.opts.concurrency,
      env: { HOOKRELAY_RETENTION: "30d", HOOKRELAY_PARTITION_WIDTH: "1d", HOOKRELAY_RETENTION_INTERVAL: "1d" },
    });
    const admin = new ApiClient(stack.apiUrl, stack.adminKey, 2);
    const sql = new Pool({ connectionString: stack.databaseUrl, max: 4, options: SESSION_SETTINGS });
    const sampler = new Pool({ connectionString: stack.databaseUrl, max: 1 });
    const rows: Record<string, Cell>[] = [];
    const notes: string[] = [];
    try {
      const { accountId, apiKey, webhookIds } = await setupAccount(admin, "retention-pass", apiUrlsFor(ctx.receiver.url, "retention-pass", WEBHOOKS));
      stack.startWorkers(ctx.opts.workers);
      await stack.workersReady();
      // Ten days ending a day past the window: every partition of them is wholly expired.
      const shape: LogShape = { accountId, webhookIds, measuredShare: 1 / WEBHOOKS, endMs: Date.now() - 31 * DAY_MS, days: EXPIRED_DAYS };
      ctx.log(`retention-pass: writing ${expiring.toLocaleString("en")} expired events, deliveries and attempts`);
      const t = nowMs();
      await seedLog(stack.db, shape, 0, expiring, { parallel: 2 });
      await stack.db.query("ANALYZE events; ANALYZE deliveries; ANALYZE delivery_attempts");
      const seeded = round1((nowMs() - t) / 1000);
      const before = await Promise.all(["events", "deliveries", "delivery_attempts"].map((tbl) => partitionedBytes(stack.db, tbl)));
      notes.push(`seeded ${expiring.toLocaleString("en")} rows in each of events, deliveries, attempts (${EXPIRED_DAYS} daily partitions, 31-41 days old) in ${seeded} s; ${Math.round(before.reduce((a, b) => a + b, 0) / 2 ** 20)} MB on disk`);

      const retention = createRetention({
        sql,
        clock: { now: () => new Date() },
        logger: createLogger("warn", "bench-retention"),
        settings: { retentionMs: 30 * DAY_MS, partitionWidthMs: DAY_MS, partitionsAhead: 3, idempotencyKeyTtlMs: DAY_MS },
        purgeDeletedWebhooks,
      });
      const client = (n: number) => admin.withKey(apiKey, n);
      const warm = client(16);
      await warmUp(warm, ctx.receiver, { ratePerSec: RATE, fanOut: WEBHOOKS });
      await warm.close();

      ctx.log(`retention-pass: ${RATE} events/s for ${PHASE_MS / 1000} s before the pass`);
      const pre = client(64);
      const beforeStep = await openLoopStep(pre, ctx.receiver, { tag: "retention-before", ratePerSec: RATE, durationMs: PHASE_MS, fanOut: WEBHOOKS, graceMs: 10_000 });
      await pre.close();
      rows.push({ phase: "before the pass", ...beforeStep.row });

      ctx.log(`retention-pass: ${RATE} events/s for ${PHASE_MS / 1000} s, the pass starting after ${PASS_AFTER_MS / 1000} s`);
      const during = client(64);
      const stepStarted = nowMs();
      const step = openLoopStep(during, ctx.receiver, { tag: "retention-during", ratePerSec: RATE, durationMs: PHASE_MS, fanOut: WEBHOOKS, graceMs: 10_000 });
      await sleep(PASS_AFTER_MS);
      const locks = startLockSampler(sampler, 50);
      const passStart = nowMs();
      let report: RetentionReport | null = null;
      let passError: string | null = null;
      try {
        report = await retention.pass();
      } catch (err) {
        passError = err instanceof Error ? err.message : String(err);
      }
      const passEnd = nowMs();
      const lockReport = await locks.stop();
      const duringStep = await step;
      await during.close();
      // Each event's seq numbers it from the step's start (emitOpenLoop's schedule); the step's own
      // start is a receiver round trip after stepStarted, a few ms at most.
      const inPass = await p99Within(ctx.receiver, "retention-during", stepStarted, RATE, passStart, passEnd);
      rows.push({ phase: "during (whole 30 s)", ...duringStep.row });
      const after = await Promise.all(["events", "deliveries", "delivery_attempts"].map((tbl) => partitionedBytes(stack.db, tbl)));

      const lockRows: Record<string, Cell>[] = Object.entries(lockReport.strongest).map(([table, s]) => ({ phase: `locks on ${table}`, "strongest held": s.held ?? "none", "strongest awaited": s.awaited ?? "none" }));
      rows.push(...lockRows);
      notes.push(
        passError
          ? `the pass FAILED after ${round1((passEnd - passStart) / 1000)} s: ${passError}`
          : `the pass took ${round1((passEnd - passStart) / 1000)} s: dropped ${report!.dropped.length} ranges (×3 tables), kept ${report!.keptForPending.length} for pending, made ${report!.made.length}; its own count ${report!.tookMs} ms`,
      );
      notes.push(`deliveries due during the pass itself: ${inPass.n}, p99 ${inPass.p99 ?? "-"} ms, max ${inPass.max ?? "-"} ms`);
      notes.push(
        `locks: ${lockReport.samples} samples of pg_locks every 50 ms; ${lockReport.lockWaiters} backends seen waiting on a heavyweight lock, the longest ${lockReport.longestLockWaitMs} ms${lockReport.longestLockWaitQuery ? ` (${lockReport.longestLockWaitQuery})` : ""}; by kind: ${
          Object.entries(lockReport.waitsByKind)
            .map(([k, v]) => `${v.count}× "${k}" (longest ${v.longestMs} ms)`)
            .join(", ") || "none"
        }`,
      );
      notes.push(`disk of the three tables: ${Math.round(before.reduce((a, b) => a + b, 0) / 2 ** 20)} MB before, ${Math.round(after.reduce((a, b) => a + b, 0) / 2 ** 20)} MB after`);
      notes.push(`ingest errors (rejected, failed or unanswered): before ${String(beforeStep.row["ingest failed or unanswered"])}, during ${String(duringStep.row["ingest failed or unanswered"])}`);
      notes.push(`live load: ${RATE} events/s × ${WEBHOOKS} webhooks (${RATE * WEBHOOKS} deliveries/s) over HTTP, open loop; latency = ingest request due → receiver arrival`);
    } finally {
      await sql.end();
      await sampler.end();
      await admin.close();
      await stack.stop();
    }
    return {
      name: "retention-pass",
      title: `Retention pass over ${expiring.toLocaleString("en")} expiring rows per table while the load runs`,
      params: { "expiring rows per table": expiring, "expired partitions per table": EXPIRED_DAYS, "events/s": RATE, "webhooks/event": WEBHOOKS, "phase seconds": PHASE_MS / 1000 },
      rows,
      notes,
    };
  },
};
