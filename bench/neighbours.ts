import { ApiClient, apiUrlsFor, deliveryBodyBytes, setupAccount } from "../harness/api-client";
import { cpuPerUnit, stackCpuGroups, startCpuMeter } from "../harness/cpu";
import { startStack, type Stack } from "../harness/stack";
import { perSec, round1, waitFor } from "../harness/stats";
import { emitBatches } from "./emit";
import { openLoopStep, warmUp } from "./open-loop-step";
import type { BenchContext, Cell, Scenario, ScenarioResult } from "./types";

/**
 * Fairness between accounts, at the default settings: a quiet account (60 events/s × 3
 * webhooks, open loop) measured alone, then beside a neighbour that misbehaves, in the same
 * stack. Its p99 should stay within 2× of its p99 alone.
 *
 * - neighbour-outage: the neighbour's endpoint never answers and 10,000 of its deliveries are
 *   queued; the in-flight cap keeps it to 10 attempts, and the rest wait without being picked up.
 * - neighbour-burst: the neighbour emits 20,000 events to a fast endpoint as fast as the API takes
 *   them, while the quiet account is measured.
 */
const QUIET_RATE = 60;
const QUIET_WEBHOOKS = 3;

interface Setup {
  stack: Stack;
  admin: ApiClient;
  quietKey: string;
  neighbourKey: string;
}

async function setup(ctx: BenchContext, name: string, neighbourUrl: string): Promise<Setup> {
  const stack = await startStack({ name, adminDatabaseUrl: ctx.databaseUrl, redisUrl: ctx.redisUrl, concurrency: ctx.opts.concurrency, profileDir: ctx.opts.profileDir });
  const admin = new ApiClient(stack.apiUrl, stack.adminKey, 2);
  const quiet = await setupAccount(admin, `${name}-quiet`, apiUrlsFor(ctx.receiver.url, `${name}-quiet`, QUIET_WEBHOOKS));
  const neighbour = await setupAccount(admin, `${name}-neighbour`, [neighbourUrl]);
  stack.startWorkers(ctx.opts.workers);
  await stack.workersReady();
  const warm = admin.withKey(quiet.apiKey, 8);
  await warmUp(warm, ctx.receiver, { ratePerSec: QUIET_RATE, fanOut: QUIET_WEBHOOKS });
  await warm.close();
  return { stack, admin, quietKey: quiet.apiKey, neighbourKey: neighbour.apiKey };
}

const quietPaths = (name: string) => apiUrlsFor("", `${name}-quiet`, QUIET_WEBHOOKS);

async function measureQuiet(ctx: BenchContext, s: Setup, name: string, tag: string): Promise<Record<string, Cell>> {
  const client = s.admin.withKey(s.quietKey, 16);
  const { row } = await openLoopStep(client, ctx.receiver, {
    tag,
    ratePerSec: QUIET_RATE,
    durationMs: ctx.opts.quick ? 8_000 : 20_000,
    fanOut: QUIET_WEBHOOKS,
    paths: quietPaths(name),
    graceMs: 10_000,
    cpu: stackCpuGroups(s.stack, ctx.receiver.pid),
  });
  await client.close();
  return row;
}

function quietRow(run: string, row: Record<string, Cell>, extra: Record<string, Cell> = {}): Record<string, Cell> {
  return {
    run,
    "quiet delivered": row.delivered ?? null,
    "quiet not arrived": row["not arrived"] ?? null,
    "quiet p50 ms": row["p50 ms"] ?? null,
    "quiet p95 ms": row["p95 ms"] ?? null,
    "quiet p99 ms": row["p99 ms"] ?? null,
    "quiet max ms": row["max ms"] ?? null,
    "quiet ingest p99 ms": row["ingest p99 ms"] ?? null,
    "quiet stored → arrival p99 ms": row["stored → arrival p99 ms"] ?? null,
    ...extra,
  };
}

const ratio = (a: Cell | undefined, b: Cell | undefined) => (typeof a === "number" && typeof b === "number" && b > 0 ? Math.round((a / b) * 100) / 100 : null);

const params = (ctx: BenchContext, extra: Record<string, Cell>) => ({
  "quiet events/s": QUIET_RATE,
  "quiet webhooks": QUIET_WEBHOOKS,
  "seconds measured": ctx.opts.quick ? 8 : 20,
  "body bytes": deliveryBodyBytes(),
  "worker processes": ctx.opts.workers,
  concurrency: ctx.opts.concurrency,
  HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: "10 (default)",
  ...extra,
});

export const neighbourOutage: Scenario = {
  name: "neighbour-outage",
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const name = "outage";
    const backlog = 10_000;
    const deadPath = "/hook/outage-dead";
    await ctx.receiver.setHanging([deadPath]);
    const s = await setup(ctx, name, `${ctx.receiver.altUrl}${deadPath}`);
    try {
      ctx.log("neighbour-outage: the quiet account alone");
      const alone = await measureQuiet(ctx, s, name, "outage-alone");
      ctx.log(`neighbour-outage: queueing ${backlog} deliveries to the neighbour's dead endpoint`);
      const neighbour = s.admin.withKey(s.neighbourKey, 4);
      await emitBatches(neighbour, "outage-dead", backlog, { batchSize: 100, parallel: 4 });
      await neighbour.close();
      const deadBefore = (await ctx.receiver.stats({ tag: "outage-dead", paths: [deadPath] })).requests;
      ctx.log("neighbour-outage: the quiet account beside it");
      const beside = await measureQuiet(ctx, s, name, "outage-beside");
      const deadDuring = (await ctx.receiver.stats({ tag: "outage-dead", paths: [deadPath] })).requests - deadBefore;
      const waiting = await s.stack.db.query<{ n: string }>("SELECT count(*) AS n FROM deliveries WHERE status = 'pending'");
      return {
        name: "neighbour-outage",
        title: "Neighbour outage: a quiet account's latency alone, and beside 10,000 deliveries queued for a dead endpoint",
        params: params(ctx, { "neighbour backlog": backlog, HOOKRELAY_DELIVERY_TIMEOUT_MS: "5000 (default)" }),
        rows: [
          quietRow("alone", alone, { "CPU ms/delivery": alone["CPU ms/delivery"] ?? null }),
          quietRow("beside the outage", beside, {
            "neighbour attempts meanwhile": deadDuring,
            "neighbour still pending": Number(waiting.rows[0]!.n),
            "CPU ms/delivery": beside["CPU ms/delivery"] ?? null,
          }),
          { run: "p99 ratio (beside / alone)", "quiet p99 ms": ratio(beside["p99 ms"], alone["p99 ms"]), "quiet stored → arrival p99 ms": ratio(beside["stored → arrival p99 ms"], alone["stored → arrival p99 ms"]) },
        ],
        notes: ["the dead endpoint is on a second receiver origin, so it never shares the quiet webhooks' connections"],
      };
    } finally {
      await s.admin.close();
      await s.stack.stop();
      await ctx.receiver.setHanging([]);
    }
  },
};

export const neighbourBurst: Scenario = {
  name: "neighbour-burst",
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const name = "burst";
    const burst = ctx.opts.quick ? 10_000 : 20_000;
    const burstPath = "/hook/burst-neighbour";
    const s = await setup(ctx, name, `${ctx.receiver.altUrl}${burstPath}`);
    try {
      ctx.log("neighbour-burst: the quiet account alone");
      const alone = await measureQuiet(ctx, s, name, "burst-alone");
      const rows: Record<string, Cell>[] = [quietRow("alone", alone, { "CPU ms/delivery": alone["CPU ms/delivery"] ?? null })];
      // One producer flushing a backlog as fast as the API answers it, then four at once: the
      // second also floods ingestion, the API's CPU included.
      for (const producers of [1, 4]) {
        const tag = `burst-neighbour-${producers}`;
        ctx.log(`neighbour-burst: the neighbour emits ${burst} events (${producers} producer${producers > 1 ? "s" : ""}) while the quiet account is measured`);
        const neighbour = s.admin.withKey(s.neighbourKey, producers);
        const started = Date.now();
        const cpu = startCpuMeter(stackCpuGroups(s.stack, ctx.receiver.pid));
        const emitting = emitBatches(neighbour, tag, burst, { batchSize: 100, parallel: producers }).then(() => Date.now());
        const beside = await measureQuiet(ctx, s, name, `burst-beside-${producers}`);
        const ingestedAt = await emitting;
        await neighbour.close();
        const drained = await waitFor(async () => (await ctx.receiver.stats({ tag })).unique >= burst, 180_000, 250);
        const seen = await ctx.receiver.stats({ tag });
        const used = cpu.stop();
        rows.push(
          quietRow(`beside the burst, ${producers} producer${producers > 1 ? "s" : ""}`, beside, {
            "neighbour ingest s": round1((ingestedAt - started) / 1000),
            "neighbour delivered": seen.unique,
            "neighbour deliveries/s": perSec(seen.unique, (seen.lastAt ?? started) - started),
            "neighbour drained": drained ? "yes" : "no",
            "CPU ms/delivery (all, burst included)": cpuPerUnit(used, seen.unique + Number(beside.delivered ?? 0)),
          }),
          {
            run: `p99 ratio (${producers} / alone)`,
            "quiet p99 ms": ratio(beside["p99 ms"], alone["p99 ms"]),
            "quiet stored → arrival p99 ms": ratio(beside["stored → arrival p99 ms"], alone["stored → arrival p99 ms"]),
          },
        );
      }
      return {
        name: "neighbour-burst",
        title: `Neighbour burst: a quiet account's latency alone, and while another account emits ${burst.toLocaleString("en-US")} events to a fast endpoint`,
        params: params(ctx, { "neighbour events": burst, "neighbour webhooks": 1, "neighbour batch": 100 }),
        rows,
        notes: ["the neighbour's endpoint is on a second receiver origin, so it never shares the quiet webhooks' connections"],
      };
    } finally {
      await s.admin.close();
      await s.stack.stop();
    }
  },
};
