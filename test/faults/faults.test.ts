import { openSuite, renderTable, runScenario, SCENARIOS, type Suite } from "../../faults/suite";
import { SCALES, type Outcome } from "../../faults/types";
import { ensureBuilt } from "../../harness/build";

/**
 * The fault-injection suite in its short form: real Postgres, Redis, API and worker processes
 * (its own servers, which it restarts), hundreds of events per scenario. `npm run
 * test:faults` runs the full form. Each scenario is one test; the table is printed at the end.
 */
const scale = SCALES.short;
const verbose = process.env.HOOKRELAY_FAULTS_VERBOSE === "1";
const log = (message: string) => verbose && process.stderr.write(`[faults] ${message}\n`);
const outcomes: Outcome[] = [];
const started = Date.now();
let suite: Suite | undefined;

beforeAll(async () => {
  await ensureBuilt(log);
  suite = await openSuite(scale, log);
}, 120_000);

afterAll(async () => {
  const failed = outcomes.some((o) => o.verdict.problems.length > 0);
  await suite?.close(failed);
  process.stdout.write(renderTable(outcomes, scale, Math.round((Date.now() - started) / 1000), suite?.logDir));
}, 60_000);

describe("under injected faults, every accepted event is delivered, nothing twice that needn't be, every attempt logged", () => {
  for (const scenario of SCENARIOS) {
    it(scenario.name, async () => {
      const result = await runScenario(suite!, scenario);
      outcomes.push(...result);
      expect(result.flatMap((o) => o.verdict.problems.map((p) => `${o.scenario}: ${p}`))).toEqual([]);
      for (const o of result) {
        expect(o.verdict.lost).toBe(0);
        expect(o.verdict.unexpected).toBe(0);
        expect(o.verdict.delivered + o.verdict.failed).toBe(o.verdict.deliveries);
      }
    }, 240_000);
  }
});
