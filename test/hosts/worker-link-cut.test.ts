import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeAnswers, runLoad, type LoadReport } from "../../faults/load";
import { COMMON_ENV, watchStalls } from "../../faults/scenario";
import { settle, verify, type Verdict } from "../../faults/verify";
import { ApiClient, setupAccount } from "../../harness/api-client";
import { ensureBuilt } from "../../harness/build";
import { startHostStack, type HostStack } from "../../harness/host-stack";
import { hostsUnavailable } from "../../harness/hosts";
import { sleep } from "../../harness/stats";
import { cutFigures, type CutFigures } from "./link-cut-figures";

/**
 * Past one machine: Postgres, Redis, the API, two delivery workers and the receiver each on a
 * host of its own (network namespaces, harness/hosts.ts). Mid-load, worker w1's link goes dead
 * silently (its switch port drops everything: no RST, no error, as when a machine or its cable
 * dies). w2 must carry on alone; the jobs w1 held come back once their locks expire and
 * BullMQ's stall check runs (src/delivery/worker.ts: a 10 s lock, a 5 s check); then the link
 * comes back and w1 must rejoin. Every accepted event delivered, nothing doubled beyond what
 * w1 had in flight. Needs root (namespaces) and iproute2; it fails, never skips, without them.
 */
const NAME = "link-cut";
/**
 * Jobs per worker process at once: also the bound on duplicates, all of them w1's attempts in
 * flight when it went dark. Enough for w2 alone to keep up with the load (20 / 200 ms = 100/s).
 */
const CONCURRENCY = 20;
const WEBHOOKS = 2;
const RATE = 40;
const LOAD_MS = 45_000;
/**
 * 25 s: w1's jobs come back once their locks have expired (5-10 s after the cut: renewed every
 * 5 s, valid for 10) and BullMQ's stall check, every 5 s, has seen them unlocked twice: up to
 * 20 s. A shorter cut would let w1 finish its own jobs instead.
 */
const CUT_AT = 5_000;
const RESTORE_AT = 30_000;
/**
 * Answers take longer than the gap between batches (4 events every 100 ms), so that w1 always
 * has attempts in flight when its link dies, whenever that falls.
 */
const ANSWER_MS = 200;
const BATCH = 4;
/** Per webhook, across workers: room for w2 alone at the offered rate while w1's leases are stuck until they expire. */
const IN_FLIGHT_PER_WEBHOOK = 25;

const verbose = process.env.HOOKRELAY_HOSTS_VERBOSE === "1";
const log = (message: string) => verbose && process.stderr.write(`[hosts] ${message}\n`);

let deployment: HostStack | undefined;
let logDir = "";
/** Until the test has passed: a failure keeps the process logs. */
let failed = true;

beforeAll(async () => {
  const why = hostsUnavailable();
  if (why) throw new Error(`this test ${why}`);
  await ensureBuilt(log);
  logDir = mkdtempSync(join(tmpdir(), "hookrelay-hosts-logs-"));
  deployment = await startHostStack({
    name: NAME,
    workerHosts: 2,
    concurrency: CONCURRENCY,
    env: { ...COMMON_ENV, HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: String(IN_FLIGHT_PER_WEBHOOK) },
    logDir,
  });
  const { hosts } = deployment;
  log(`network ${hosts.subnet} (run ${hosts.id}), logs in ${logDir}`);
}, 120_000);

afterAll(async () => {
  await deployment?.close();
  if (failed && logDir) process.stderr.write(`[hosts] process logs kept in ${logDir}\n`);
  else if (logDir) rmSync(logDir, { recursive: true, force: true });
}, 60_000);

interface Run {
  load: LoadReport;
  verdict: Verdict;
  figures: CutFigures;
  stalled: number;
  cutAt: number;
  restoredAt: number;
}

async function cutMidLoad(d: HostStack): Promise<Run> {
  const { hosts, stack, receiver } = d;
  const admin = new ApiClient(stack.apiUrl, stack.adminKey, 2);
  const paths = Array.from({ length: WEBHOOKS }, (_, i) => `/h/${NAME}/${i}`);
  stack.startWorkers(2);
  const account = await setupAccount(admin, NAME, paths.map((p) => `${receiver.url}${p}`));
  await receiver.setBehaviours(Object.fromEntries(paths.map((p) => [p, { then: { kind: "slow" as const, delayMs: ANSWER_MS } }])));
  const client = admin.withKey(account.apiKey, 32);
  const stalls = await watchStalls(d.servers.redis.url, stack.prefix);
  try {
    await stack.workersReady();
    const started = Date.now();
    const at = (ms: number) => sleep(Math.max(0, started + ms - Date.now()));
    const loading = runLoad(client, { tag: NAME, events: (RATE * LOAD_MS) / 1000, ratePerSec: RATE, batchSize: BATCH, keys: "event", giveUpAfterMs: 60_000 });
    await at(CUT_AT);
    await hosts.cut("w1", "drop");
    const cutAt = Date.now();
    log(`w1 cut at ${cutAt - started} ms`);
    await at(RESTORE_AT);
    const restoredAt = Date.now();
    await hosts.restore("w1");
    log(`w1 restored at ${restoredAt - started} ms`);
    const load = await loading;
    const settleMs = await settle(stack.db, account.accountId, load.accepted.size * WEBHOOKS, 60_000);
    // Anything still on its way (a late duplicate) arrives before we count.
    await sleep(1_000);
    const verdict = await verify({
      db: stack.db,
      receiver,
      accountId: account.accountId,
      tag: NAME,
      load,
      webhooks: account.webhookIds.map((id, i) => ({ id, path: paths[i]!, outcome: "succeeded" as const })),
      settleMs,
      allowedAnswers: [],
      maxDuplicates: CONCURRENCY,
      // w1's answers that came in just before the cut, written once it is back: see verify.ts.
      lateSuccesses: true,
      crashes: stack.crashes(),
    });
    const seen = await receiver.arrivals(NAME);
    // Kept with the process logs when the test fails: who sent what when, to read the failure from.
    writeFileSync(join(logDir, "arrivals.json"), JSON.stringify({ started, cutAt, restoredAt, w1: hosts.address("w1"), w2: hosts.address("w2"), ...seen }));
    const figures = cutFigures(seen, { worker: hosts.address("w1"), other: hosts.address("w2"), at: cutAt, restoredAt });
    return { load, verdict, figures, stalled: stalls.count(), cutAt: cutAt - started, restoredAt: restoredAt - started };
  } finally {
    await stalls.close();
    await client.close();
    await admin.close();
  }
}

describe("with the API, two workers, Postgres and Redis on hosts of their own", () => {
  it("a worker host whose link goes silent mid-load costs nothing: the other carries on, the jobs it held come back, it rejoins", async () => {
    const { load, verdict: v, figures: f, stalled, cutAt, restoredAt } = await cutMidLoad(deployment!);
    process.stdout.write(
      [
        `\n# worker link cut (w1 silent from ${(cutAt / 1000).toFixed(1)} s to ${(restoredAt / 1000).toFixed(1)} s of a ${LOAD_MS / 1000} s load)`,
        `events ${v.events}, deliveries ${v.deliveries}, delivered ${v.delivered}, lost ${v.lost}, unexpected ${v.unexpected}, duplicates ${v.duplicates} (at most ${CONCURRENCY}), settled ${v.settleMs === null ? "never" : `${(v.settleMs / 1000).toFixed(1)} s`} after the load`,
        `ingest answers: ${describeAnswers(load.answers)}; deliveries with a late second success logged: ${v.rows.filter((r) => r.successes > 1).length}`,
        `before the cut w1 sent ${f.cutWorkerBefore}; during it w2 sent ${f.duringFromOther}, w1 ${f.duringFromCut}, longest silence ${f.longestSilenceMs} ms`,
        `w1's held jobs: ${f.heldCameBack} re-sent by w2, ${f.heldBackAfterMs ? `${(f.heldBackAfterMs.first / 1000).toFixed(1)}-${(f.heldBackAfterMs.last / 1000).toFixed(1)} s after the cut` : "never"}; BullMQ stalled events: ${stalled}`,
        `after the restore w1 sent ${f.cutWorkerAfter}, the first ${f.rejoinedAfterMs === null ? "never" : `${(f.rejoinedAfterMs / 1000).toFixed(1)} s after it`}`,
        "",
      ].join("\n"),
    );

    // 0 lost, nothing stray, duplicates within w1's concurrency: verify's verdict.
    expect(v.problems).toEqual([]);
    expect(v.lost).toBe(0);
    expect(v.unexpected).toBe(0);
    expect(v.delivered).toBe(v.deliveries);
    expect(v.duplicates).toBeLessThanOrEqual(CONCURRENCY);

    // w1 did its share before, and the cut was real: nothing of w1's got through it.
    expect(f.cutWorkerBefore).toBeGreaterThan(0);
    expect(f.duringFromCut).toBe(0);
    // w2 carried on through the cut: arrivals never stopped for long, and kept up with at least
    // half the offered rate (it has room for all of it; half leaves room for a machine shared
    // with the rest of `npm test`).
    expect(f.longestSilenceMs).toBeLessThan(2_000);
    const offeredDuringCut = ((RESTORE_AT - CUT_AT) / 1000) * RATE * WEBHOOKS;
    expect(f.duringFromOther).toBeGreaterThan(offeredDuringCut / 2);
    // The jobs w1 held came back, through the stall check, while w1 was still cut off.
    expect(stalled).toBeGreaterThan(0);
    expect(f.heldCameBack).toBeGreaterThan(0);
    expect(f.heldBackAfterMs!.last).toBeLessThan(RESTORE_AT - CUT_AT);
    // And w1 rejoined once its link was back.
    expect(f.cutWorkerAfter).toBeGreaterThan(0);
    failed = false;
  }, 150_000);
});
