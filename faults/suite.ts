import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startReceiver, type ReceiverHandle } from "../harness/receiver";
import { startServers, type Servers } from "../harness/servers";
import { killAllChildren } from "../harness/stack";
import { table } from "../harness/table";
import { INFRA_SCENARIOS } from "./infra";
import { misbehavingReceivers, RECEIVER_ORIGINS } from "./receivers";
import { sigtermOutage } from "./shutdown";
import { upSupervision } from "./up";
import type { FaultContext, FaultScenario, Outcome, Scale } from "./types";

/**
 * The fault-injection suite as both runners use it (`npm run test:faults` through main.ts,
 * `npm test` through test/faults/): open the servers and the receiver once, run scenarios one
 * at a time, print one table.
 */
export const SCENARIOS: FaultScenario[] = [...INFRA_SCENARIOS, sigtermOutage, upSupervision, misbehavingReceivers];

export interface Suite extends FaultContext {
  /** Stops everything; the process logs are deleted unless `keepLogs`. */
  close(keepLogs: boolean): Promise<void>;
}

export async function openSuite(scale: Scale, log: (message: string) => void): Promise<Suite> {
  const servers: Servers = await startServers();
  let receiver: ReceiverHandle;
  try {
    receiver = await startReceiver(RECEIVER_ORIGINS);
  } catch (err) {
    await servers.close();
    throw err;
  }
  const logDir = mkdtempSync(join(tmpdir(), "hookrelay-faults-logs-"));
  let keepLogs = false;
  // However the process ends (a signal included), the logs go unless a failure asked to keep them.
  process.once("exit", () => keepLogs || rmSync(logDir, { recursive: true, force: true }));
  let closing: Promise<void> | null = null;
  log(`servers in ${servers.dir}: Postgres ${servers.postgres.port}, Redis ${servers.redis.port}; receiver pid ${receiver.pid}; logs in ${logDir}`);
  return {
    scale,
    servers,
    receiver,
    logDir,
    log,
    close(keep) {
      keepLogs ||= keep;
      closing ??= (async () => {
        killAllChildren();
        await receiver.close();
        await servers.close();
      })();
      return closing.then(() => {
        if (!keepLogs) rmSync(logDir, { recursive: true, force: true });
      });
    },
  };
}

/** Runs one scenario; a scenario that throws becomes a row with that as its problem. */
export async function runScenario(suite: Suite, scenario: FaultScenario): Promise<Outcome[]> {
  const started = Date.now();
  suite.log(`${scenario.name}: starting`);
  try {
    const outcomes = await scenario.run(suite);
    suite.log(`${scenario.name}: done in ${Math.round((Date.now() - started) / 1000)} s`);
    return outcomes;
  } catch (err) {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    suite.log(`${scenario.name}: failed: ${message}`);
    return [
      {
        scenario: scenario.name,
        notes: [],
        verdict: { events: 0, deliveries: 0, delivered: 0, failed: 0, lost: 0, unexpected: 0, duplicates: 0, notAccepted: 0, settleMs: null, problems: [`scenario threw: ${message}`], rows: [] },
      },
    ];
  }
}

export function renderTable(outcomes: Outcome[], scale: Scale, seconds: number, logDir?: string): string {
  const rows = outcomes.map((o) => ({
    scenario: o.scenario,
    events: o.verdict.events,
    deliveries: o.verdict.deliveries,
    delivered: o.verdict.delivered,
    "failed (expected)": o.verdict.failed,
    lost: o.verdict.lost,
    unexpected: o.verdict.unexpected,
    duplicates: o.verdict.duplicates,
    "settle s": o.verdict.settleMs === null ? "never" : (o.verdict.settleMs / 1000).toFixed(1),
    result: o.verdict.problems.length === 0 ? "ok" : "FAIL",
    notes: o.notes.join("; "),
  }));
  const problems = outcomes.flatMap((o) => o.verdict.problems.map((p) => `  ${o.scenario}: ${p}`));
  return [
    `\n# hookrelay fault injection, ${scale.name} (${seconds} s)\n`,
    table(rows),
    ...(problems.length > 0 ? ["\nproblems:", ...problems, ...(logDir ? [`\nprocess logs kept in ${logDir}`] : [])] : []),
    "",
  ].join("\n");
}
