import { ApiClient, EVENT_TYPE, apiUrlsFor, eventData, setupAccount } from "../harness/api-client";
import { startStack } from "../harness/stack";
import { nowMs, round1, sleep } from "../harness/stats";
import { partitionedBytes } from "./log-seed";
import type { BenchContext, Cell, Scenario, ScenarioResult } from "./types";

/**
 * Disk use under sustained load with a short retention (issue #13): 10 minutes (2 with --quick)
 * of events at a fixed rate with HOOKRELAY_RETENTION=1m, partitions 10 s wide and a pass every
 * 5 s, a quarter of the events with an idempotency key. Every 15 s: pg_database_size and the
 * bytes of events, deliveries and attempts (summed over their partitions, indexes and TOAST
 * included) and of idempotency_keys. Flat = the data stops growing after a minute or two.
 */
const WEBHOOKS = 3;
const DEFAULT_RATE = 300;
const SAMPLE_MS = 15_000;
const KEYED_EVERY = 4;
const MiB = 2 ** 20;

interface Sample {
  t: number;
  db: number;
  events: number;
  deliveries: number;
  attempts: number;
  keys: number;
  partitions: number;
}

export const retentionSoak: Scenario = {
  name: "retention-soak",
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const RATE = ctx.opts.liveRate ?? DEFAULT_RATE;
    const durationMs = (ctx.opts.quick ? 2 : 10) * 60_000;
    const stack = await startStack({
      name: "retention-soak",
      adminDatabaseUrl: ctx.databaseUrl,
      redisUrl: ctx.redisUrl,
      concurrency: ctx.opts.concurrency,
      env: { HOOKRELAY_RETENTION: "1m", HOOKRELAY_PARTITION_WIDTH: "10s", HOOKRELAY_RETENTION_INTERVAL: "5s" },
    });
    const admin = new ApiClient(stack.apiUrl, stack.adminKey, 2);
    const samples: Sample[] = [];
    const sent = { sent: 0, accepted: 0, replayed: 0, rejected: 0, errors: 0 };
    const errorKinds = new Map<string, number>();
    try {
      const { apiKey } = await setupAccount(admin, "retention-soak", apiUrlsFor(ctx.receiver.url, "retention-soak", WEBHOOKS));
      stack.startWorkers(ctx.opts.workers);
      await stack.workersReady();
      const client = admin.withKey(apiKey, 64);
      const sample = async (t: number) => {
        const [db, events, deliveries, attempts, keys, parts] = await Promise.all([
          stack.db.query<{ n: string }>("SELECT pg_database_size(current_database()) AS n").then((r) => Number(r.rows[0]!.n)),
          partitionedBytes(stack.db, "events"),
          partitionedBytes(stack.db, "deliveries"),
          partitionedBytes(stack.db, "delivery_attempts"),
          stack.db.query<{ n: string }>("SELECT pg_total_relation_size('idempotency_keys') AS n").then((r) => Number(r.rows[0]!.n)),
          stack.db.query<{ n: string }>("SELECT count(*) AS n FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'events'").then((r) => Number(r.rows[0]!.n)),
        ]);
        samples.push({ t, db, events, deliveries, attempts, keys, partitions: parts });
      };
      const started = nowMs();
      await sample(0);
      ctx.log(`retention-soak: ${RATE} events/s for ${durationMs / 60_000} min, sampling disk every ${SAMPLE_MS / 1000} s`);
      const inFlight = new Set<Promise<void>>();
      let nextSample = started + SAMPLE_MS;
      let sampling: Promise<void> | null = null;
      const interval = 1000 / RATE;
      while (nowMs() - started < durationMs) {
        const now = nowMs();
        while (started + sent.sent * interval <= now && sent.sent * interval < durationMs) {
          const seq = sent.sent++;
          const body: Record<string, unknown> = { type: EVENT_TYPE, data: eventData("retention-soak", seq, started + seq * interval) };
          if (seq % KEYED_EVERY === 0) body.idempotencyKey = `soak-${seq}`;
          const p = client
            .post("/v1/events", body)
            .then((res) => {
              if (res.status === 202) {
                sent.accepted++;
                if (res.headers["idempotent-replayed"] === "true") sent.replayed++;
              } else sent.rejected++;
            })
            .catch((err: unknown) => {
              sent.errors++;
              const m = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
              errorKinds.set(m, (errorKinds.get(m) ?? 0) + 1);
            })
            .finally(() => inFlight.delete(p));
          inFlight.add(p);
        }
        if (now >= nextSample && !sampling) {
          const at = Math.round((now - started) / 1000);
          nextSample += SAMPLE_MS;
          sampling = sample(at).finally(() => (sampling = null));
        }
        await sleep(1);
      }
      const deadline = Date.now() + 10_000;
      while (inFlight.size > 0 && Date.now() < deadline) await sleep(20);
      if (sampling) await sampling;
      await sample(Math.round((nowMs() - started) / 1000));
      await client.close();
    } finally {
      await admin.close();
      await stack.stop();
    }
    const data = (s: Sample) => s.events + s.deliveries + s.attempts + s.keys;
    const rows: Record<string, Cell>[] = samples.map((s) => ({
      "t s": s.t,
      "database MB": round1(s.db / MiB),
      "events MB": round1(s.events / MiB),
      "deliveries MB": round1(s.deliveries / MiB),
      "attempts MB": round1(s.attempts / MiB),
      "idempotency_keys MB": round1(s.keys / MiB),
      "data MB (sum)": round1(data(s) / MiB),
      "event partitions": s.partitions,
    }));
    // First vs last 3 minutes (a third of the run with --quick), skipping the first sample (the empty database).
    const windowS = Math.min(180, durationMs / 3000);
    const first = samples.filter((s) => s.t > 0 && s.t <= windowS);
    const last = samples.filter((s) => s.t >= samples[samples.length - 1]!.t - windowS);
    const mean = (xs: Sample[], f: (s: Sample) => number) => (xs.length ? xs.reduce((a, s) => a + f(s), 0) / xs.length : NaN);
    const ratio = (f: (s: Sample) => number) => Math.round((mean(last, f) / mean(first, f)) * 100) / 100;
    // The window before the last one: flat means these two agree (the first one holds the ramp-up).
    const end = samples[samples.length - 1]!.t;
    const prev = samples.filter((s) => s.t >= end - 2 * windowS && s.t < end - windowS);
    const flat = Math.round((mean(last, data) / mean(prev, data)) * 100) / 100;
    const notes = [
      `data, last ${windowS} s ÷ the ${windowS} s before them: ${flat}`,
      `last ${windowS} s ÷ first ${windowS} s (means of the samples): data ${ratio(data)}, database ${ratio((s) => s.db)}, attempts ${ratio((s) => s.attempts)}, idempotency_keys ${ratio((s) => s.keys)}`,
      `peak data ${round1(Math.max(...samples.map(data)) / MiB)} MB; after the first 2 minutes: min ${round1(Math.min(...samples.filter((s) => s.t >= 120).map(data)) / MiB)} MB, max ${round1(Math.max(...samples.filter((s) => s.t >= 120).map(data)) / MiB)} MB`,
      `events sent ${sent.sent}, accepted ${sent.accepted}, rejected ${sent.rejected}, failed ${sent.errors}; one in ${KEYED_EVERY} with an idempotency key${errorKinds.size > 0 ? `; failures: ${[...errorKinds].map(([m, n]) => `${n}× ${m}`).join("; ")}` : ""}`,
      `${RATE} events/s × ${WEBHOOKS} webhooks; HOOKRELAY_RETENTION=1m, HOOKRELAY_PARTITION_WIDTH=10s, HOOKRELAY_RETENTION_INTERVAL=5s; sizes are pg_total_relation_size summed over each parent's partitions`,
    ];
    return {
      name: "retention-soak",
      title: `Disk use over ${durationMs / 60_000} minutes of load with a 1-minute retention`,
      params: { minutes: durationMs / 60_000, "events/s": RATE, "webhooks/event": WEBHOOKS, "sample s": SAMPLE_MS / 1000, retention: "1m", "partition width": "10s", "pass interval": "5s" },
      rows,
      notes,
    };
  },
};
