import { ApiClient, apiUrlsFor, setupAccount } from "../harness/api-client";
import { emitBatches } from "./emit";
import { stackCpuGroups, startCpuMeter } from "../harness/cpu";
import { startStack, type MemoryTrace, type Stack } from "../harness/stack";
import { sleep, waitFor } from "../harness/stats";
import type { BenchContext } from "./types";

/**
 * One drain, as the drain scenario measures it and the observability scenario repeats it under
 * several configurations: a fresh stack with the API only, `events` events × `webhooks`
 * ingested through /v1/events/batch, then the worker processes start and everything is
 * measured until every delivery is `succeeded` (or `capMs` passed). The window is the
 * database's: first attempt started → last delivery row settled. CPU is counted from the
 * workers' start to the last success, by process group (harness/cpu.ts).
 */
export interface DrainRunOptions {
  /** Names the stack, the account and the receiver's tag; unique per run. */
  name: string;
  events: number;
  webhooks: number;
  /** Stop measuring after this long even if deliveries are still pending. */
  capMs: number;
  /** HOOKRELAY_* settings of every process. */
  env: Record<string, string>;
  /** Settings of one process alone (its own listener port). */
  envFor?: (process: string) => Record<string, string>;
  /**
   * Work that runs beside the drain and whose cost belongs to it (a Prometheus scraping the
   * processes): started with the workers, stopped once the CPU meter has stopped.
   */
  alongside?: (stack: Stack) => { stop(): Promise<void> };
  /**
   * Also count, as group OWN_BACKENDS, the Postgres backends connected to this stack's database
   * alone: the "postgres" group is every Postgres process on the machine, other people's tests
   * included. It leaves out the server's own processes (WAL writer, checkpointer…).
   */
  ownBackends?: boolean;
}

export const OWN_BACKENDS = "postgres (own db)";

export interface DrainRunFigures {
  /** Deliveries the run asked for: events × webhooks. */
  total: number;
  /** Every delivery was `succeeded` before the cap. */
  done: boolean;
  /** Deliveries by status at the end. */
  final: Record<string, number>;
  succeeded: number;
  attempts: number;
  receiverDuplicates: number;
  /** Committed SQL transactions from before the workers started to after they stopped. */
  xacts: number;
  /** First attempt started → last delivery settled. */
  windowMs: number;
  /** Workers started → every delivery succeeded. */
  wallMs: number;
  ingestMs: number;
  /** CPU seconds by group (api, worker, postgres, redis, receiver, bench) over the drain. */
  cpu: Record<string, number>;
  /** RSS of each process, sampled every 250 ms from the workers' start. */
  memory: MemoryTrace[];
}

export async function drainRun(ctx: BenchContext, o: DrainRunOptions): Promise<DrainRunFigures> {
  const total = o.events * o.webhooks;
  const stack = await startStack({
    name: o.name,
    adminDatabaseUrl: ctx.databaseUrl,
    redisUrl: ctx.redisUrl,
    concurrency: ctx.opts.concurrency,
    profileDir: ctx.opts.profileDir,
    env: o.env,
    envFor: o.envFor,
  });
  const admin = new ApiClient(stack.apiUrl, stack.adminKey, 2);
  try {
    const { apiKey } = await setupAccount(admin, o.name, apiUrlsFor(ctx.receiver.url, o.name, o.webhooks));
    const client = admin.withKey(apiKey, 4);
    ctx.log(`${o.name}: ingesting ${o.events} events × ${o.webhooks} webhooks through /v1/events/batch`);
    const ingestStart = Date.now();
    await emitBatches(client, o.name, o.events, { batchSize: 100, parallel: 4 });
    const ingestMs = Date.now() - ingestStart;
    await client.close();

    const xacts = async () =>
      Number((await stack.db.query<{ n: string }>("SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()")).rows[0]!.n);
    const xactsBefore = await xacts();
    stack.sampleMemory(250);
    ctx.log(`${o.name}: starting ${ctx.opts.workers} worker process(es)`);
    const backends = o.ownBackends ? await trackBackends(stack) : null;
    const started = Date.now();
    stack.startWorkers(ctx.opts.workers);
    const cpu = startCpuMeter({ ...stackCpuGroups(stack, ctx.receiver.pid), ...(backends ? { [OWN_BACKENDS]: { pids: backends.pids } } : {}) });
    const beside = o.alongside?.(stack);
    const counts = async () => {
      const { rows } = await stack.db.query<{ status: string; n: string }>("SELECT status::text AS status, count(*) AS n FROM deliveries GROUP BY status");
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)])) as Record<string, number>;
    };
    const done = await waitFor(async () => ((await counts()).succeeded ?? 0) >= total, o.capMs, 250);
    const wallMs = Date.now() - started;
    const cpuUsed = cpu.stop();
    backends?.stop();
    await beside?.stop();
    const memory = stack.memory();
    await stack.stopWorkers();
    const final = await counts();
    // Backends report their statistics within a second of going idle.
    await sleep(1_500);
    const xactsUsed = (await xacts()) - xactsBefore;
    const { rows } = await stack.db.query<{ first: Date | null; last: Date | null; attempts: string }>(
      `SELECT (SELECT min(started_at) FROM delivery_attempts) AS first,
              (SELECT max(updated_at) FROM deliveries WHERE status = 'succeeded') AS last,
              (SELECT count(*) FROM delivery_attempts) AS attempts`,
    );
    const w = rows[0]!;
    const received = await ctx.receiver.stats({ tag: o.name });
    return {
      total,
      done,
      final,
      succeeded: final.succeeded ?? 0,
      attempts: Number(w.attempts),
      receiverDuplicates: received.duplicates,
      xacts: xactsUsed,
      windowMs: w.first && w.last ? w.last.getTime() - w.first.getTime() : 0,
      wallMs,
      ingestMs,
      cpu: cpuUsed,
      memory,
    };
  } finally {
    await admin.close();
    await stack.stop();
  }
}

/**
 * Every backend seen connected to the stack's database, polled every 250 ms: the workers'
 * connections open after the meter starts (counted from zero, as the meter does for new pids).
 */
async function trackBackends(stack: Stack): Promise<{ pids: () => number[]; stop(): void }> {
  const seen = new Set<number>();
  const poll = async () => {
    const { rows } = await stack.db.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database()");
    for (const r of rows) seen.add(r.pid);
  };
  await poll();
  const timer = setInterval(() => void poll().catch(() => undefined), 250);
  return { pids: () => [...seen], stop: () => clearInterval(timer) };
}
