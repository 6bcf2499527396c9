import type { ReceiverHandle } from "../harness/receiver";
import type { MemoryTrace } from "../harness/stack";
import type { Cell } from "../harness/table";

/** What main hands every scenario. */
export interface BenchOptions {
  quick: boolean;
  /** Scenario names to run (all when null). */
  only: string[] | null;
  /** Rounds of the whole sequence; figures are reported per round and as medians. */
  repeat: number;
  /** Delivery worker processes (and baseline worker processes). */
  workers: number;
  /** Per-process concurrency, for the real workers and the baseline alike. */
  concurrency: number;
  /** Directory for V8 CPU profiles of the API and worker processes (--profile), or null. */
  profileDir: string | null;
  /** Largest log-scale size to reach (--log-scale-max 100M), over the default sizes; null = the defaults. */
  logScaleMax: number | null;
  /** Events/s of the live load beside a retention pass, soak or replay (--live-rate N); null = each scenario's own. */
  liveRate: number | null;
}

export interface BenchContext {
  opts: BenchOptions;
  databaseUrl: string;
  redisUrl: string;
  receiver: ReceiverHandle;
  /** Figures one scenario leaves for a later one (baseline → drain, drain → memory). */
  shared: {
    baselinePerSec?: number;
    /** The floor's best sustained deliveries/s, for sustained's ratio. */
    floorPerSec?: number;
    drainMemory?: MemoryTrace[];
  };
  log(message: string): void;
}

export type { Cell } from "../harness/table";

/** One scenario's report: its parameters, one or more rows of figures, and notes. Never a verdict. */
export interface ScenarioResult {
  name: string;
  title: string;
  params: Record<string, Cell | boolean>;
  rows: Record<string, Cell>[];
  notes: string[];
  durationSec?: number;
}

export interface Scenario {
  name: string;
  run(ctx: BenchContext): Promise<ScenarioResult>;
}
