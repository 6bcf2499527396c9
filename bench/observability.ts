import { deliveryBodyBytes } from "../harness/api-client";
import { cpuPerUnit } from "../harness/cpu";
import { startOtlpSink, type OtlpSink } from "../harness/otlp-sink";
import { startScraper, sumSeries, type ScrapeStats } from "../harness/scraper";
import { freePort } from "../harness/stack";
import { perSec, round1 } from "../harness/stats";
import { drainRun, OWN_BACKENDS, type DrainRunFigures } from "./drain-run";
import type { BenchContext, Cell, Scenario, ScenarioResult } from "./types";

/**
 * 14. Observability (issue #14): what Prometheus metrics and OpenTelemetry tracing cost per
 * delivery. The drain's workload (bench/drain-run.ts) under three configurations: off; metrics
 * on (HOOKRELAY_METRICS_PORT on every process, each /metrics scraped every 2 s as Prometheus
 * would, so the scrapes' cost is counted); metrics and tracing on (OTLP/HTTP to a sink in the
 * bench's process that counts the spans and throws them away). CPU ms per delivery by process
 * group, over the drain. The target: metrics cost under 5 % of the deployment's CPU (API,
 * workers, Postgres, Redis) per delivery.
 *
 * This VM's speed swings by a third from one minute to the next, so the configurations run
 * interleaved, round after round (off, metrics, tracing, then tracing, metrics, off, …), and each is reported as its
 * median; the ratios are of medians of the same invocation.
 */
const WEBHOOKS = 5;
const IN_FLIGHT = "1000";
const ROUNDS = { quick: 2, full: 4 };
const EVENTS = { quick: 2_000, full: 6_000 };
const CAP_MS = { quick: 20_000, full: 60_000 };
const SCRAPE_EVERY_MS = 2_000;
export const METRICS_OVERHEAD_TARGET = 0.05;

type Config = "off" | "metrics" | "metrics+tracing";
const CONFIGS: readonly Config[] = ["off", "metrics", "metrics+tracing"];

/** The deployment's own processes: what an operator pays for. The receiver and the bench (load, scraper, sink) are not. */
const DEPLOYMENT = ["api", "worker", "postgres", "redis"] as const;
const DEPLOYMENT_OWN = ["api", "worker", OWN_BACKENDS, "redis"] as const;
const TOTAL = "total ms/delivery (api+worker+pg+redis)";
const TOTAL_OWN = "own-db total ms/delivery";

interface Run {
  config: Config;
  round: number;
  figures: DrainRunFigures;
  scrapes: ScrapeStats | null;
  /** hookrelay_attempts_total summed over the workers at the end: the metrics counted. */
  attemptsCounted: number | null;
  spans: number | null;
  otlpRequests: number | null;
}

export const observability: Scenario = {
  name: "observability",
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const mode = ctx.opts.quick ? "quick" : "full";
    const runs: Run[] = [];
    for (let round = 1; round <= ROUNDS[mode]; round++) {
      // Forward on odd rounds, backward on even ones: a trend over the run (the machine warming
      // up, autovacuum, a neighbour's load) then weighs on every configuration alike.
      const order = round % 2 === 1 ? CONFIGS : [...CONFIGS].reverse();
      for (const config of order) runs.push(await runOnce(ctx, config, round));
    }
    return report(ctx, runs);
  },
};

async function runOnce(ctx: BenchContext, config: Config, round: number): Promise<Run> {
  const mode = ctx.opts.quick ? "quick" : "full";
  const name = `obs-${config.replace("+", "-")}-${round}`;
  // Empty is unset (src/config.ts): nothing in the bench's own environment may turn "off" on.
  const env: Record<string, string> = {
    HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: IN_FLIGHT,
    HOOKRELAY_METRICS_PORT: "",
    HOOKRELAY_METRICS_ON_API: "",
    OTEL_EXPORTER_OTLP_ENDPOINT: "",
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
  };
  // Port 0 would do for the listeners, but the scraper has to know where each one is.
  const ports = new Map<string, number>();
  if (config !== "off") for (const p of ["api", ...Array.from({ length: ctx.opts.workers }, (_, i) => `worker${i + 1}`)]) ports.set(p, await freePort());
  let sink: OtlpSink | null = null;
  if (config === "metrics+tracing") {
    sink = await startOtlpSink();
    env.OTEL_EXPORTER_OTLP_ENDPOINT = sink.url;
  }
  let scrapes: ScrapeStats | null = null;
  let attemptsCounted: number | null = null;
  try {
    const figures = await drainRun(ctx, {
      name,
      events: EVENTS[mode],
      webhooks: WEBHOOKS,
      capMs: CAP_MS[mode],
      env,
      ownBackends: true,
      envFor: (p): Record<string, string> => {
        const port = ports.get(p);
        return port === undefined ? {} : { HOOKRELAY_METRICS_PORT: String(port) };
      },
      alongside:
        config === "off"
          ? undefined
          : () => {
              const targets = [...ports.values()].map((port) => `http://127.0.0.1:${port}/metrics`);
              const scraper = startScraper(targets, SCRAPE_EVERY_MS);
              return {
                async stop() {
                  await scraper.stop();
                  scrapes = scraper.stats();
                  // Outside the CPU window: only to show that the counters counted.
                  const bodies = await scraper.scrapeNow();
                  const workers = bodies.slice(1);
                  attemptsCounted = workers.every((b) => b !== null) ? workers.reduce((sum, b) => sum + sumSeries(b!, "hookrelay_attempts_total"), 0) : null;
                },
              };
            },
    });
    // The stack has stopped: its processes sent what their span processors still held.
    const sent = sink?.stats() ?? null;
    return { config, round, figures, scrapes, attemptsCounted, spans: sent?.spans ?? null, otlpRequests: sent?.requests ?? null };
  } finally {
    await sink?.close();
  }
}

function msPer(f: DrainRunFigures, groups: readonly string[]): number | null {
  if (f.succeeded <= 0) return null;
  return Math.round((groups.reduce((sum, g) => sum + (f.cpu[g] ?? 0), 0) * 1000 * 1000) / f.succeeded) / 1000;
}

function row(r: Run): Record<string, Cell> {
  const f = r.figures;
  const { [OWN_BACKENDS]: _own, ...standard } = f.cpu;
  return {
    config: r.config,
    round: r.round,
    "deliveries/s": perSec(f.succeeded, f.windowMs),
    "api ms/delivery": msPer(f, ["api"]),
    "worker ms/delivery": msPer(f, ["worker"]),
    "postgres ms/delivery": msPer(f, ["postgres"]),
    "redis ms/delivery": msPer(f, ["redis"]),
    [TOTAL]: msPer(f, DEPLOYMENT),
    [TOTAL_OWN]: msPer(f, DEPLOYMENT_OWN),
    scrapes: r.scrapes ? r.scrapes.scrapes : null,
    "attempts counted by metrics": r.attemptsCounted,
    "spans received": r.spans,
    "OTLP requests": r.otlpRequests,
    "all groups (CPU ms/delivery)": cpuPerUnit(standard, f.succeeded),
  };
}

const MEDIAN_COLUMNS = ["deliveries/s", "api ms/delivery", "worker ms/delivery", "postgres ms/delivery", "redis ms/delivery", TOTAL, TOTAL_OWN];

function report(ctx: BenchContext, runs: Run[]): ScenarioResult {
  const mode = ctx.opts.quick ? "quick" : "full";
  const rounds = runs.length / CONFIGS.length;
  const rows = runs.map(row);
  const medians = new Map<Config, Record<string, Cell>>();
  for (const config of CONFIGS) {
    const own = rows.filter((r) => r.config === config);
    const m: Record<string, Cell> = { config, round: "median" };
    for (const col of MEDIAN_COLUMNS) {
      const xs = own.map((r) => r[col]).filter((v): v is number => typeof v === "number");
      const mid = xs.length === own.length ? median(xs) : null;
      m[col] = mid !== null && col === "deliveries/s" ? Math.round(mid) : mid;
    }
    medians.set(config, m);
  }
  /** A configuration's median over off's, in one column. */
  const ratio = (config: Config, col: string): number | null => {
    const v = medians.get(config)![col];
    const off = medians.get("off")![col];
    return typeof v === "number" && typeof off === "number" && off > 0 ? Math.round((v / off) * 1000) / 1000 : null;
  };
  const overhead = `metrics overhead < ${METRICS_OVERHEAD_TARGET * 100} %`;
  const verdict = (x: number | null) => (x === null ? null : x - 1 < METRICS_OVERHEAD_TARGET ? "yes" : "no");
  for (const config of CONFIGS) {
    const m = medians.get(config)!;
    m["total × off"] = ratio(config, TOTAL);
    m[overhead] = config === "metrics" ? verdict(ratio("metrics", TOTAL)) : null;
    rows.push(m);
  }

  const pct = (x: number | null) => (x === null ? "not computed" : `${x >= 1 ? "+" : ""}${round1((x - 1) * 100)} %`);
  const metricsRatio = ratio("metrics", TOTAL);
  const met = verdict(metricsRatio);
  /** Each round's configuration over the off of the same round: adjacent runs share the machine's mood. */
  const paired = (config: Config, col: string) =>
    Array.from({ length: rounds }, (_, i) => {
      const on = rows.find((r) => r.config === config && r.round === i + 1)?.[col];
      const off = rows.find((r) => r.config === "off" && r.round === i + 1)?.[col];
      return typeof on === "number" && typeof off === "number" && off > 0 ? pct(on / off) : "–";
    }).join(", ");
  const notes = [
    `target: metrics on costs < ${METRICS_OVERHEAD_TARGET * 100} % more deployment CPU (api + worker + postgres + redis) per delivery than off: metrics/off = ${metricsRatio ?? "–"} (${pct(metricsRatio)}), ${met === null ? "not decided" : met === "yes" ? "met" : "NOT met"}; metrics+tracing/off = ${ratio("metrics+tracing", TOTAL) ?? "–"} (${pct(ratio("metrics+tracing", TOTAL))}). Medians of ${rounds} interleaved rounds.`,
    `the same with only this stack's Postgres backends (immune to other Postgres users of the machine, without the server's own processes): metrics/off ${pct(ratio("metrics", TOTAL_OWN))}, metrics+tracing/off ${pct(ratio("metrics+tracing", TOTAL_OWN))}`,
    `round by round (each over the off of its round): metrics ${paired("metrics", TOTAL)} (own db: ${paired("metrics", TOTAL_OWN)}); metrics+tracing ${paired("metrics+tracing", TOTAL)} (own db: ${paired("metrics+tracing", TOTAL_OWN)})`,
    `spread of the total between rounds of one configuration (max/min), the noise a difference has to beat: ${CONFIGS.map((c) => `${c} ${spread(rows.filter((r) => r.config === c && r.round !== "median").map((r) => r[TOTAL]))}`).join(", ")}`,
    `CPU counted from the workers' start (their start-up included) to the last success; the API only answers scrapes meanwhile. "postgres" and "redis" are every such process on the machine. The bench's own CPU (load, scraper, OTLP sink) and the receiver's are in the last column, not in the totals.`,
  ];
  for (const r of runs) {
    const f = r.figures;
    const tag = `${r.config} round ${r.round}`;
    if (!f.done) notes.push(`${tag}: stopped after the cap with ${f.total - f.succeeded} of ${f.total} not succeeded (${JSON.stringify(f.final)})`);
    if (r.scrapes && r.scrapes.failures > 0) notes.push(`${tag}: ${r.scrapes.failures} scrapes failed, last: ${r.scrapes.lastError}`);
    if (r.config !== "off" && r.attemptsCounted === null) notes.push(`${tag}: the final scrape of the workers failed: were metrics on?`);
    if (r.spans !== null && r.spans < f.attempts) notes.push(`${tag}: the sink received ${r.spans} spans for ${f.attempts} attempts`);
  }
  return {
    name: "observability",
    title: "Observability: CPU per delivery with metrics and tracing off and on (drain workload)",
    params: {
      events: EVENTS[mode],
      "webhooks/event": WEBHOOKS,
      deliveries: EVENTS[mode] * WEBHOOKS,
      "body bytes": deliveryBodyBytes(),
      "worker processes": ctx.opts.workers,
      concurrency: ctx.opts.concurrency,
      HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: IN_FLIGHT,
      rounds: runs.length / CONFIGS.length,
      "scrape interval s": SCRAPE_EVERY_MS / 1000,
      "OTLP protocol": "http/protobuf (default), sampler parentbased_always_on (default)",
    },
    rows,
    notes,
  };
}

function spread(values: (Cell | undefined)[]): string {
  const xs = values.filter((v): v is number => typeof v === "number" && v > 0);
  if (xs.length < 2) return "–";
  return `${Math.min(...xs)}–${Math.max(...xs)} (${round1((Math.max(...xs) / Math.min(...xs) - 1) * 100)} %)`;
}

/** To 3 decimals (repeat.ts's medianOf keeps 2: too coarse for CPU ms of about 0.3). */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const m = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return Math.round(m * 1000) / 1000;
}
