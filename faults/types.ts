import type { ReceiverHandle } from "../harness/receiver";
import type { Servers } from "../harness/servers";
import type { Verdict } from "./verify";

/** How big a run is: `full` for `npm run test:faults`, `short` inside `npm test`. */
export interface Scale {
  name: "short" | "full";
  ratePerSec: number;
  /** How long the load of a scenario lasts. */
  loadMs: number;
  redisOutageMs: number;
  postgresOutageMs: number;
  workerKills: number;
  apiKills: number;
  apiKillEvents: number;
  /** Events per misbehaving receiver, sent over `receiverLoadMs`. */
  receiverEvents: number;
  receiverLoadMs: number;
  settleTimeoutMs: number;
}

export const SCALES: Record<Scale["name"], Scale> = {
  short: {
    name: "short",
    ratePerSec: 150,
    loadMs: 4_000,
    redisOutageMs: 5_000,
    postgresOutageMs: 3_000,
    workerKills: 3,
    apiKills: 2,
    apiKillEvents: 2_000,
    receiverEvents: 60,
    receiverLoadMs: 3_000,
    settleTimeoutMs: 120_000,
  },
  full: {
    name: "full",
    ratePerSec: 200,
    loadMs: 20_000,
    redisOutageMs: 30_000,
    postgresOutageMs: 10_000,
    workerKills: 5,
    apiKills: 3,
    apiKillEvents: 6_000,
    receiverEvents: 300,
    receiverLoadMs: 6_000,
    settleTimeoutMs: 180_000,
  },
};

export interface FaultContext {
  scale: Scale;
  servers: Servers;
  /** Shared by every scenario; each files its arrivals under its own tag. */
  receiver: ReceiverHandle;
  /** Every process's output, one file per process; kept when something failed. */
  logDir: string;
  log(message: string): void;
}

/** One row of the table. */
export interface Outcome {
  scenario: string;
  verdict: Verdict;
  notes: string[];
}

export interface FaultScenario {
  name: string;
  run(ctx: FaultContext): Promise<Outcome[]>;
}
