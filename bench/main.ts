import { join } from "node:path";
import { baseline } from "./baseline";
import { drain } from "./drain";
import { floor } from "./floor";
import { ingest } from "./ingest";
import { isolation } from "./isolation";
import { hungBacklog } from "./hung-backlog";
import { memory } from "./memory";
import { recovery } from "./recovery";
import { neighbourBurst, neighbourOutage } from "./neighbours";
import { observability } from "./observability";
import { portal } from "./portal";
import { portalQueries } from "./portal-queries";
import { logScale } from "./log-scale";
import { retentionPass } from "./retention-pass";
import { retentionSoak } from "./retention-soak";
import { replay } from "./replay";
import { startReceiver } from "../harness/receiver";
import { machineInfo, renderScenario, writeResults } from "./report";
import { killAllChildren } from "../harness/stack";
import { mergeRuns } from "./repeat";
import { sustained } from "./sustained";
import type { BenchContext, BenchOptions, Scenario, ScenarioResult } from "./types";

/**
 * `npm run bench [-- --quick] [--only <scenario>[,<scenario>…]] [--repeat N] [--workers N] [--concurrency C] [--profile]`:
 * runs the scenarios in order against the throwaway Postgres and Redis that scripts/bench.sh
 * started, prints a table per scenario and writes everything to bench/results/<timestamp>.json.
 * `--repeat N` runs the whole sequence N times and reports every run and the medians (the drain
 * is always compared with the baseline of its own round). `--profile` also writes V8 CPU
 * profiles of the API and worker processes next to it.
 * It reports; it never asserts.
 */
const SCENARIOS: Scenario[] = [baseline, drain, floor, sustained, ingest, isolation, neighbourOutage, neighbourBurst, hungBacklog, recovery, memory, portal, portalQueries, observability, logScale, retentionPass, retentionSoak, replay];
const USAGE = `usage: npm run bench -- [--quick] [--only ${SCENARIOS.map((s) => s.name).join("|")}[,…]] [--repeat N] [--workers N] [--concurrency C] [--profile] [--log-scale-max 100M] [--live-rate N]`;
const RESULTS_DIR = join(__dirname, "..", "..", "bench", "results");

/** 100M, 10M, 500k, 1000000: a row count. */
function parseCount(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text);
  if (!m) throw new Error(`not a count: ${text}\n${USAGE}`);
  return Math.round(Number(m[1]) * (m[2] === "" ? 1 : /k/i.test(m[2]!) ? 1_000 : 1_000_000));
}

function parseArgs(argv: string[]): BenchOptions {
  const opts: BenchOptions = { quick: false, only: null, repeat: 1, workers: 1, concurrency: 50, profileDir: null, logScaleMax: null, liveRate: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return v;
    };
    if (arg === "--quick") opts.quick = true;
    else if (arg === "--only") opts.only = value().split(",").filter(Boolean);
    else if (arg === "--repeat") opts.repeat = Number(value());
    else if (arg === "--workers") opts.workers = Number(value());
    else if (arg === "--concurrency") opts.concurrency = Number(value());
    else if (arg === "--profile") opts.profileDir = join(RESULTS_DIR, `profiles-${new Date().toISOString().replace(/:/g, "-")}`);
    else if (arg === "--log-scale-max") opts.logScaleMax = parseCount(value());
    else if (arg === "--live-rate") opts.liveRate = parseCount(value());
    else if (arg === "--help" || arg === "-h") {
      process.stdout.write(USAGE + "\n");
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  const unknown = (opts.only ?? []).filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`no scenario "${unknown.join('", "')}"\n${USAGE}`);
  if (!(opts.workers >= 1) || !(opts.concurrency >= 1)) throw new Error(`--workers and --concurrency must be positive\n${USAGE}`);
  if (!Number.isInteger(opts.repeat) || opts.repeat < 1 || opts.repeat > 20) throw new Error(`--repeat must be an integer from 1 to 20\n${USAGE}`);
  return opts;
}

const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const databaseUrl = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL;
  if (!databaseUrl || !redisUrl) throw new Error("DATABASE_URL and REDIS_URL must be set (scripts/bench.sh sets them)");

  const startedAt = new Date();
  const machine = machineInfo();
  log(`${machine.cpuCount} × ${machine.cpuModel}, ${machine.totalMemoryGiB} GiB, node ${machine.node}; ${opts.quick ? "quick" : "full"} run`);
  const receiver = await startReceiver();
  const onSignal = (code: number) => {
    killAllChildren();
    void receiver.close().finally(() => process.exit(code));
  };
  process.once("SIGINT", () => onSignal(130));
  process.once("SIGTERM", () => onSignal(143));

  const ctx: BenchContext = { opts, databaseUrl, redisUrl, receiver, shared: {}, log };
  const runs = new Map<string, ScenarioResult[]>();
  const errors: Record<string, string> = {};
  try {
    for (let round = 1; round <= opts.repeat; round++) {
      // Each round compares with its own baseline: adjacent runs share the machine's mood.
      ctx.shared = {};
      if (opts.repeat > 1) log(`round ${round} of ${opts.repeat}`);
      for (const scenario of SCENARIOS) {
        if (opts.only && !opts.only.includes(scenario.name)) continue;
        const t = Date.now();
        try {
          const result = await scenario.run(ctx);
          result.durationSec = Math.round((Date.now() - t) / 1000);
          runs.set(scenario.name, [...(runs.get(scenario.name) ?? []), result]);
          process.stdout.write("\n" + renderScenario(result));
        } catch (err) {
          // One broken scenario must not cost the others' figures.
          const key = opts.repeat > 1 ? `${scenario.name} (round ${round})` : scenario.name;
          errors[key] = err instanceof Error ? (err.stack ?? err.message) : String(err);
          log(`${key} failed: ${errors[key]}`);
        }
      }
    }
  } finally {
    await receiver.close();
  }
  const results = [...runs.values()].map(mergeRuns);

  const totalSeconds = Math.round((Date.now() - startedAt.getTime()) / 1000);
  process.stdout.write(`\n# hookrelay bench, ${opts.quick ? "quick" : "full"}: ${machine.cpuCount} × ${machine.cpuModel}, ${machine.totalMemoryGiB} GiB, node ${machine.node}, ${totalSeconds} s\n\n`);
  for (const r of results) process.stdout.write(renderScenario(r) + "\n");
  const file = writeResults(RESULTS_DIR, startedAt, { options: opts, machine, totalSeconds, scenarios: results, errors });
  log(`results written to ${file}`);
  if (Object.keys(errors).length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  killAllChildren();
  process.exit(1);
});
