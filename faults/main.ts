import { killAllChildren } from "../harness/stack";
import { openSuite, renderTable, runScenario, SCENARIOS } from "./suite";
import { SCALES, type Outcome } from "./types";

/**
 * `npm run test:faults [-- --short] [--only <scenario>]`: the fault-injection suite against
 * processes built in dist/ (scripts/test-faults.sh builds first) and servers of its own.
 * Prints the table to stdout, progress to stderr; exits 1 if any scenario found a problem.
 */
const USAGE = `usage: npm run test:faults -- [--short] [--only ${SCENARIOS.map((s) => s.name).join("|")}]`;

function parseArgs(argv: string[]): { short: boolean; only: string | null } {
  const opts = { short: false, only: null as string | null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--short") opts.short = true;
    else if (arg === "--only" && argv[i + 1]) opts.only = argv[++i]!;
    else if (arg === "--help" || arg === "-h") {
      process.stdout.write(USAGE + "\n");
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  if (opts.only && !SCENARIOS.some((s) => s.name === opts.only)) throw new Error(`no scenario "${opts.only}"\n${USAGE}`);
  return opts;
}

const failed = (outcomes: Outcome[]) => outcomes.length === 0 || outcomes.some((o) => o.verdict.problems.length > 0);
const log = (message: string) => process.stderr.write(`[faults ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const scale = SCALES[opts.short ? "short" : "full"];
  const started = Date.now();
  const suite = await openSuite(scale, log);
  const onSignal = (code: number) => {
    killAllChildren();
    // The servers' exit hook stops Postgres and Redis.
    void suite.close(false).finally(() => process.exit(code));
  };
  process.once("SIGINT", () => onSignal(130));
  process.once("SIGTERM", () => onSignal(143));

  const outcomes: Outcome[] = [];
  try {
    for (const scenario of SCENARIOS) {
      if (opts.only && scenario.name !== opts.only) continue;
      outcomes.push(...(await runScenario(suite, scenario)));
    }
  } finally {
    await suite.close(failed(outcomes));
  }
  process.stdout.write(renderTable(outcomes, scale, Math.round((Date.now() - started) / 1000), suite.logDir));
  if (failed(outcomes)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  killAllChildren();
  process.exit(1);
});
