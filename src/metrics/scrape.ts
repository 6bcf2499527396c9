import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { Gauge, type Registry } from "prom-client";
import { webhookHealth, type WebhookHealth } from "../health/webhook-health";
import type { Sql } from "../lib/prisma";
import { cachedReading } from "./cached-reading";

/**
 * Gauges read when Prometheus scrapes, not kept up to date as things happen: the backlog, the
 * queue, webhooks by health, connection states. Every process exports them (the dashboard
 * takes max() across processes). Each source is read through a `cachedReading`: a down or
 * hung Postgres or Redis costs the scrape at most `timeoutMs`, reports its `_up` gauge 0, and
 * leaves the gauges that depend on it out of the answer (absent, not a false 0).
 */
export interface ScrapeSources {
  sql: Sql;
  /** The process's main Redis connection (the scheduler's). */
  redis: Redis;
  queue: Pick<Queue, "getJobCounts">;
  /** Scheduler slots taken across the deployment (attempts dispatched and not released). */
  inFlight(): Promise<number>;
  failureWarningThreshold: number;
  /** ms since the epoch, the app's clock: due times are written with it. */
  now(): number;
  /** The Redis connections this process holds, by name, as they are now. */
  connections(): ReadonlyMap<string, { status: string }>;
  /** A running worker's slots; null in a process that runs none. */
  workerSlots(): { busy: number; concurrency: number } | null;
}

export interface ScrapeOptions {
  ttlMs: number;
  timeoutMs: number;
}

/** Counting due deliveries stops here: past it the number says "a lot" and the lag says how bad. */
export const DUE_COUNT_CAP = 100_000;

const JOB_STATES = ["waiting", "active", "delayed", "prioritized"] as const;
const HEALTHS: readonly WebhookHealth[] = ["healthy", "warning", "disabled"];

// Unnamed (planned each time): a few runs a minute, and the index on (status, next_attempt_at)
// answers both: the count walks at most DUE_COUNT_CAP entries, the minimum reads one.
const BACKLOG = `SELECT (SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE status = 'pending' AND next_attempt_at <= $1 LIMIT $2) due)::int AS due,
       (SELECT min(next_attempt_at) FROM deliveries WHERE status = 'pending' AND next_attempt_at <= $1) AS oldest`;
// Deleted webhooks are gone for the customer: they count in no health.
const HEALTH = `SELECT status::text AS status, consecutive_failures >= $1 AS warning, count(*)::int AS n FROM webhooks WHERE status <> 'deleted' GROUP BY 1, 2`;

interface Backlog {
  due: number;
  lagSeconds: number;
  webhooks: Record<WebhookHealth, number>;
}

interface QueueReading {
  jobs: Record<(typeof JOB_STATES)[number], number>;
  inFlight: number;
}

export function registerScrapeGauges(registry: Registry, src: ScrapeSources, opts: ScrapeOptions): void {
  const registers = [registry];
  const pgUp = cachedReading(async () => {
    await src.sql.query("SELECT 1");
    return true;
  }, opts);
  const backlog = cachedReading(() => readBacklog(src), opts);
  // A stopped Redis (SIGSTOP) keeps its connection "ready": only an answer says it is up.
  const redisUp = cachedReading(async () => {
    if (src.redis.status !== "ready") return false;
    await src.redis.ping();
    return true;
  }, opts);
  const queue = cachedReading(async (): Promise<QueueReading> => {
    const [counts, inFlight] = await Promise.all([src.queue.getJobCounts(...JOB_STATES), src.inFlight()]);
    return { jobs: Object.fromEntries(JOB_STATES.map((s) => [s, counts[s] ?? 0])) as QueueReading["jobs"], inFlight };
  }, opts);
  /** The Postgres figures, when Postgres answers. */
  const fromPostgres = async () => ((await pgUp()) ? backlog() : null);
  const fromRedis = async () => ((await redisUp()) ? queue() : null);

  new Gauge({
    name: "hookrelay_postgres_up",
    help: "1 when `SELECT 1` through this process's pool answered within the scrape's bound, else 0.",
    registers,
    async collect() {
      this.set((await pgUp()) ? 1 : 0);
    },
  });
  new Gauge({
    name: "hookrelay_redis_up",
    help: "1 when this process's main Redis connection is ready and answered PING within the scrape's bound, else 0.",
    registers,
    async collect() {
      this.set((await redisUp()) ? 1 : 0);
    },
  });
  unlabelled("hookrelay_deliveries_due", `Pending deliveries due now (in flight or waiting for a slot or a worker); counted up to ${DUE_COUNT_CAP}, so ${DUE_COUNT_CAP} means at least that many.`, fromPostgres, (b) => b.due);
  unlabelled("hookrelay_backlog_lag_seconds", "Age of the oldest pending delivery that is due: how long it has waited past its due time (0 when none is due).", fromPostgres, (b) => b.lagSeconds);
  labelled(
    "hookrelay_webhooks",
    "Webhooks by health: disabled, warning (active with at least HOOKRELAY_FAILURE_WARNING_THRESHOLD consecutive failures) or healthy.",
    "health",
    HEALTHS,
    fromPostgres,
    (b, health) => b.webhooks[health],
  );
  labelled(
    "hookrelay_queue_jobs",
    "BullMQ delivery jobs by state (waiting, active, delayed, prioritized). Tickets still waiting in the fair scheduler are not jobs yet: see hookrelay_deliveries_due.",
    "state",
    JOB_STATES,
    fromRedis,
    (q, state) => q.jobs[state],
  );
  unlabelled("hookrelay_in_flight_leases", "Scheduler slots taken across the deployment: attempts dispatched and not yet released (ZCARD of the scheduler's released set).", fromRedis, (q) => q.inFlight);
  new Gauge({
    name: "hookrelay_redis_connected",
    help: "1 when this process's Redis connection of that name (main, queue, worker) is ready, else 0.",
    labelNames: ["connection"],
    registers,
    collect() {
      this.reset();
      for (const [connection, client] of src.connections()) this.set({ connection }, client.status === "ready" ? 1 : 0);
    },
  });
  new Gauge({
    name: "hookrelay_pg_pool_connections",
    help: "This process's Postgres pool: connections open (total), idle among them, and queries waiting for one (waiting).",
    labelNames: ["state"],
    registers,
    collect() {
      this.set({ state: "total" }, src.sql.totalCount);
      this.set({ state: "idle" }, src.sql.idleCount);
      this.set({ state: "waiting" }, src.sql.waitingCount);
    },
  });
  new Gauge({
    name: "hookrelay_worker_slots",
    help: "This worker process's delivery slots (HOOKRELAY_WORKER_CONCURRENCY), busy or free; absent in a process that runs no worker.",
    labelNames: ["state"],
    registers,
    collect() {
      const slots = src.workerSlots();
      this.reset();
      if (slots) {
        this.set({ state: "busy" }, slots.busy);
        this.set({ state: "free" }, Math.max(0, slots.concurrency - slots.busy));
      }
    },
  });

  /** A gauge of one value per label value from a reading; all absent when the reading is. */
  function labelled<T, V extends string>(name: string, help: string, label: string, values: readonly V[], reading: () => Promise<T | null>, pick: (r: T, value: V) => number) {
    new Gauge({
      name,
      help,
      labelNames: [label],
      registers,
      async collect() {
        const r = await reading();
        this.reset();
        if (r) for (const value of values) this.set({ [label]: value }, pick(r, value));
      },
    });
  }

  /** A gauge of one value from a reading; absent when the reading is. */
  function unlabelled<T>(name: string, help: string, reading: () => Promise<T | null>, pick: (r: T) => number) {
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        const r = await reading();
        if (r) this.set(pick(r));
        else this.remove();
      },
    });
  }
}

async function readBacklog(src: ScrapeSources): Promise<Backlog> {
  const now = src.now();
  const [backlog, health] = await Promise.all([
    src.sql.query<{ due: number; oldest: Date | null }>(BACKLOG, [new Date(now), DUE_COUNT_CAP]),
    src.sql.query<{ status: "active" | "disabled"; warning: boolean; n: number }>(HEALTH, [src.failureWarningThreshold]),
  ]);
  const { due, oldest } = backlog.rows[0]!;
  const webhooks: Record<WebhookHealth, number> = { healthy: 0, warning: 0, disabled: 0 };
  for (const row of health.rows) {
    // The same rule the API shows (src/health/webhook-health.ts), fed a count on the right side of the threshold.
    webhooks[webhookHealth(row.status, row.warning ? src.failureWarningThreshold : 0, src.failureWarningThreshold)] += row.n;
  }
  return { due, lagSeconds: oldest ? Math.max(0, (now - oldest.getTime()) / 1_000) : 0, webhooks };
}
