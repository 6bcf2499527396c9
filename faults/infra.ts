import { sleep } from "../harness/stats";
import { runLoad } from "./load";
import { CONCURRENCY, runStandard, type FaultTools } from "./scenario";
import type { FaultScenario } from "./types";

/**
 * Faults of our own infrastructure: processes killed or stopped, Redis and Postgres going
 * away under load. The receiver answers 200 at once unless said otherwise, so anything that
 * goes wrong is ours.
 */
const events = (ratePerSec: number, ms: number) => Math.round((ratePerSec * ms) / 1000);

/**
 * A crash can duplicate at most the attempts sent and not yet recorded when it happened: at
 * most a worker's concurrency (the in-flight cap bounds requests, not the writes after them).
 */
const crashBound = (crashedWorkers: number) => crashedWorkers * CONCURRENCY;

async function expectExit(t: FaultTools, name: string, signal: NodeJS.Signals, clean: boolean): Promise<void> {
  const started = Date.now();
  const exit = await t.stack.signal(name, signal, 30_000);
  if (!exit) t.problems.push(`${name} still running 30 s after ${signal}`);
  else if (clean && (exit.code !== 0 || exit.signal !== null)) {
    t.problems.push(`${name} did not shut down cleanly on ${signal}: ${exit.signal ?? `exit code ${exit.code}`}; ${exit.tail.slice(-3).join(" | ")}`);
  } else if (clean) t.notes.push(`${name} exited 0 in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await t.stack.respawn(name);
}

export const workerKill: FaultScenario = {
  name: "worker-kill",
  run: (ctx) => {
    const { ratePerSec, loadMs, workerKills } = ctx.scale;
    return runStandard(ctx, {
      name: "worker-kill",
      title: `kill -9 a worker ×${workerKills}`,
      // Answers take 100 ms, so each worker always has attempts in flight to be killed in; the
      // in-flight cap is raised so that the workers keep up with the load between kills.
      behaviour: { then: { kind: "slow", delayMs: 100 } },
      env: { HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: "25" },
      load: { events: events(ratePerSec, loadMs), ratePerSec },
      maxDuplicates: crashBound(workerKills),
      async fault(t) {
        for (let k = 1; k <= workerKills; k++) {
          await t.at((loadMs * k) / (workerKills + 1));
          await expectExit(t, `worker${1 + ((k - 1) % 2)}`, "SIGKILL", false);
        }
      },
      check(v, _load, t) {
        // Proof the kills hit work in progress: an attempt cut off, sent twice, or a job taken back.
        if (v.notAccepted + v.duplicates + t.stalled() === 0) t.problems.push("the kills hit idle workers: nothing was cut off, repeated or taken back");
        if (v.notAccepted > 0) t.notes.push(`${v.notAccepted} attempts cut off`);
      },
    });
  },
};

export const redisKill: FaultScenario = {
  name: "redis-kill",
  run: (ctx) => {
    const { ratePerSec, loadMs } = ctx.scale;
    return runStandard(ctx, {
      name: "redis-kill",
      title: "Redis kill -9, restart (AOF)",
      load: { events: events(ratePerSec, loadMs), ratePerSec },
      maxDuplicates: 0,
      async fault(t) {
        await t.at(loadMs / 3);
        await ctx.servers.redis.stop("SIGKILL");
        await sleep(1_000);
        await ctx.servers.redis.start();
      },
    });
  },
};

export const redisOutage: FaultScenario = {
  name: "redis-outage",
  run: (ctx) => {
    const { ratePerSec, redisOutageMs } = ctx.scale;
    const lead = 1_500;
    return runStandard(ctx, {
      name: "redis-outage",
      title: `Redis stopped ${redisOutageMs / 1000} s`,
      load: { events: events(ratePerSec, lead + redisOutageMs + lead), ratePerSec },
      maxDuplicates: 0,
      async fault(t) {
        await t.at(lead);
        await ctx.servers.redis.stop("SIGTERM");
        await sleep(redisOutageMs);
        await ctx.servers.redis.start();
      },
      check(_v, load, t) {
        // Answering is not enough: a producer that waits seconds per event is as good as refused.
        if (load.slowestMs > 5_000) t.problems.push(`an ingest answer took ${load.slowestMs} ms while Redis was down`);
        t.notes.push(`slowest ingest ${load.slowestMs} ms, ${(load.slowestAt / 1000).toFixed(1)} s in`);
      },
    });
  },
};

export const postgresRestart: FaultScenario = {
  name: "postgres-restart",
  run: (ctx) => {
    const { ratePerSec, loadMs, postgresOutageMs } = ctx.scale;
    return runStandard(ctx, {
      name: "postgres-restart",
      title: `Postgres down ${postgresOutageMs / 1000} s, restarted`,
      load: { events: events(ratePerSec, loadMs + postgresOutageMs), ratePerSec },
      allowedAnswers: ["503"],
      // Sent, then the outcome could not be written: retried once Postgres is back.
      maxDuplicates: crashBound(2),
      async fault(t) {
        await t.at(loadMs / 3);
        await ctx.servers.postgres.stop("fast");
        await sleep(postgresOutageMs);
        await ctx.servers.postgres.start();
      },
      check(_v, load, t) {
        if (!load.answers.has("503")) t.problems.push("ingestion never answered 503 while Postgres was down: the fault did not reach it");
      },
    });
  },
};

export const apiKill: FaultScenario = {
  name: "api-kill",
  run: (ctx) => {
    const { apiKills, apiKillEvents } = ctx.scale;
    const ratePerSec = 1_000;
    const loadMs = (apiKillEvents / ratePerSec) * 1000;
    return runStandard(ctx, {
      name: "api-kill",
      title: `kill -9 the API ×${apiKills} mid-batch`,
      webhooks: 1,
      // Batches of 100 under one idempotency key each, several in flight when the API dies.
      load: { events: apiKillEvents, ratePerSec, batchSize: 100, keys: "batch" },
      allowedAnswers: ["network"],
      maxDuplicates: 0,
      async fault(t) {
        for (let k = 1; k <= apiKills; k++) {
          await t.at((loadMs * k) / (apiKills + 1));
          await expectExit(t, "api", "SIGKILL", false);
        }
      },
      async afterLoad(load, t) {
        // Every batch again, as a producer unsure of its answers would: all replays, nothing new.
        const again = await runLoad(t.client, { ...t.plan, ratePerSec: 4 * ratePerSec });
        const batches = Math.ceil(apiKillEvents / 100);
        if (again.replayed !== batches) t.problems.push(`${batches - again.replayed} of ${batches} batches sent again were not answered as replays`);
        const moved = [...again.accepted].filter(([seq, id]) => load.accepted.get(seq) !== id).length;
        if (moved > 0) t.problems.push(`${moved} events answered with another id the second time`);
      },
      check(_v, load, t) {
        const cut = [...load.answers.entries()].filter(([label]) => label.startsWith("network")).reduce((n, [, c]) => n + c, 0);
        if (cut === 0) t.problems.push("no batch was cut off by the kills: the fault did not reach ingestion");
        t.notes.push(`${load.replayed} retried batches were replays; every batch sent again: all replays`);
      },
    });
  },
};

export const sigterm: FaultScenario = {
  name: "sigterm",
  run: (ctx) => {
    const { ratePerSec, loadMs } = ctx.scale;
    return runStandard(ctx, {
      name: "sigterm",
      title: "SIGTERM workers, then the API",
      // Answers take 200 ms, so every worker has attempts in flight when told to stop.
      behaviour: { then: { kind: "slow", delayMs: 200 } },
      env: { HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: "50" },
      load: { events: events(ratePerSec, loadMs), ratePerSec },
      allowedAnswers: ["network"],
      maxDuplicates: 0,
      async fault(t) {
        await t.at(loadMs / 3);
        await Promise.all(["worker1", "worker2"].map((w) => expectExit(t, w, "SIGTERM", true)));
        await t.at((loadMs * 2) / 3);
        await expectExit(t, "api", "SIGTERM", true);
      },
      check(v, _load, t) {
        // A clean stop finishes what it started: no attempt cut off, no job left for BullMQ's stall check.
        if (v.notAccepted > 0) t.problems.push(`${v.notAccepted} attempts were cut off by a SIGTERM`);
        if (t.stalled() > 0) t.problems.push(`${t.stalled()} jobs were left active by a SIGTERM and came back only through the stall check`);
      },
    });
  },
};

export const INFRA_SCENARIOS = [workerKill, redisKill, redisOutage, postgresRestart, apiKill, sigterm];
