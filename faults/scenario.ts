import { QueueEvents } from "bullmq";
import { ApiClient, setupAccount } from "../harness/api-client";
import type { Behaviour } from "../harness/receiver";
import { startStack, type Stack } from "../harness/stack";
import { sleep } from "../harness/stats";
import { DELIVERY_QUEUE } from "../src/delivery/queue";
import { describeAnswers, runLoad, type LoadPlan, type LoadReport } from "./load";
import type { FaultContext, Outcome } from "./types";
import { settle, verify, type Verdict } from "./verify";

/**
 * The shape most scenarios share: a fresh stack (own database and queue prefix on the suite's
 * servers), one account whose webhooks point at the receiver, a steady load, a fault played
 * alongside it, then settle and verify.
 */
const IN_FLIGHT_PER_WEBHOOK = 10;
/** Jobs per worker process at once. */
export const CONCURRENCY = 50;

/** Short schedules, so that retries and recovery take seconds, not the production minutes. */
export const COMMON_ENV: Record<string, string> = {
  HOOKRELAY_RECOVERY_INTERVAL: "1s",
  HOOKRELAY_RECOVERY_GRACE: "3s",
  HOOKRELAY_RETRY_SCHEDULE: "0,250ms,250ms,500ms,500ms,1s,1s,1s",
  HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: String(IN_FLIGHT_PER_WEBHOOK),
};

export interface FaultTools {
  stack: Stack;
  ctx: FaultContext;
  /** Jobs BullMQ found stalled (their worker gone) and handed out again, so far. */
  stalled(): number;
  /** Resolves `ms` after the load began. */
  at(ms: number): Promise<void>;
  notes: string[];
  problems: string[];
}

export interface StandardSpec {
  name: string;
  title: string;
  workers?: number;
  concurrency?: number;
  webhooks?: number;
  env?: Record<string, string>;
  /** How the receiver answers this scenario's webhooks (200 at once if unset). */
  behaviour?: Behaviour;
  load: Pick<LoadPlan, "events" | "ratePerSec"> & Partial<Pick<LoadPlan, "batchSize" | "keys">>;
  /** Answers besides 202 the producer may get; "network" for any connection failure. */
  allowedAnswers?: string[];
  maxDuplicates: number;
  fault(t: FaultTools): Promise<void>;
  /** Runs once the load is done, before settling (e.g. a second producer pass). */
  afterLoad?(load: LoadReport, t: FaultTools & { client: ApiClient; plan: LoadPlan }): Promise<void>;
  /** Checks of its own, after the common ones; push to `t.problems`. */
  check?(v: Verdict, load: LoadReport, t: FaultTools): void;
}

/**
 * Counts BullMQ's "stalled" events: jobs whose worker stopped renewing their lock (it died, or
 * lost Redis while finishing them) and that went back to the queue. That is what a crash
 * costs in time: the lock must expire and the stall check must run (src/delivery/worker.ts).
 */
export async function watchStalls(redisUrl: string, prefix: string): Promise<{ count(): number; close(): Promise<void> }> {
  const u = new URL(redisUrl);
  const events = new QueueEvents(DELIVERY_QUEUE, { prefix, connection: { host: u.hostname, port: Number(u.port), maxRetriesPerRequest: null } });
  events.on("error", () => undefined); // Redis restarts are the point of some scenarios
  let stalled = 0;
  events.on("stalled", () => stalled++);
  await events.waitUntilReady();
  return { count: () => stalled, close: () => events.close() };
}

export async function runStandard(ctx: FaultContext, spec: StandardSpec): Promise<Outcome[]> {
  const { scale, servers, receiver } = ctx;
  const stack = await startStack({
    name: spec.name,
    adminDatabaseUrl: servers.postgres.url,
    redisUrl: servers.redis.url,
    logDir: ctx.logDir,
    concurrency: spec.concurrency ?? CONCURRENCY,
    env: { ...COMMON_ENV, ...spec.env },
  });
  const admin = new ApiClient(stack.apiUrl, stack.adminKey, 2);
  let client: ApiClient | null = null;
  let stalls: { count(): number; close(): Promise<void> } | null = null;
  try {
    stack.startWorkers(spec.workers ?? 2);
    const paths = Array.from({ length: spec.webhooks ?? 2 }, (_, i) => `/f/${spec.name}/${i}`);
    const account = await setupAccount(admin, spec.name, paths.map((p) => `${receiver.url}${p}`));
    await receiver.setBehaviours(spec.behaviour ? Object.fromEntries(paths.map((p) => [p, spec.behaviour!])) : {});
    // Enough connections that the producer never queues: a slow answer is the API's.
    client = admin.withKey(account.apiKey, 64);
    await stack.workersReady();

    stalls = await watchStalls(servers.redis.url, stack.prefix);
    const tools: FaultTools = { stack, ctx, stalled: stalls.count, at: async () => undefined, notes: [], problems: [] };
    const started = Date.now();
    tools.at = (ms) => sleep(Math.max(0, started + ms - Date.now()));
    const plan: LoadPlan = { tag: spec.name, batchSize: 10, keys: "event", giveUpAfterMs: scale.settleTimeoutMs, ...spec.load };
    const loading = runLoad(client, plan);
    const faulting = spec.fault(tools).catch((err: unknown) => {
      tools.problems.push(`the fault itself failed: ${err instanceof Error ? err.message : String(err)}`);
    });
    const [load] = await Promise.all([loading, faulting]);
    await spec.afterLoad?.(load, { ...tools, client, plan });
    ctx.log(`${spec.name}: load done (${load.accepted.size}/${load.events} accepted), settling`);
    const settleMs = await settle(stack.db, account.accountId, load.accepted.size * paths.length, scale.settleTimeoutMs);
    // Anything still on its way (a late duplicate) arrives before we count.
    await sleep(500);
    const verdict = await verify({
      db: stack.db,
      receiver,
      accountId: account.accountId,
      tag: spec.name,
      load,
      webhooks: account.webhookIds.map((id, i) => ({ id, path: paths[i]!, outcome: "succeeded" as const })),
      settleMs,
      allowedAnswers: spec.allowedAnswers ?? [],
      maxDuplicates: spec.maxDuplicates,
      crashes: stack.crashes(),
    });
    spec.check?.(verdict, load, tools);
    verdict.problems.push(...tools.problems);
    if ([...load.answers.keys()].some((label) => label !== "202")) tools.notes.push(`answers ${describeAnswers(load.answers)}`);
    if (stalls.count() > 0) tools.notes.push(`${stalls.count()} jobs back through BullMQ's stall check`);
    return [{ scenario: spec.title, verdict, notes: tools.notes }];
  } finally {
    // Frozen servers first: nothing below could stop while they hang.
    if (servers.redis.frozen) servers.redis.thaw();
    if (servers.postgres.frozen) servers.postgres.thaw();
    await stalls?.close();
    await client?.close();
    await admin.close();
    await stack.stop();
    await receiver.forget(spec.name);
    // A failed fault must not leave the next scenario without its servers.
    if (!servers.redis.running) await servers.redis.start();
    if (!servers.postgres.running) await servers.postgres.start();
  }
}
