import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pool } from "pg";
import { ApiClient, setupAccount } from "../harness/api-client";
import { signalAll, stillRunning, type ProcessRef } from "../harness/procs";
import { sleep, waitFor, within } from "../harness/stats";
import { runLoad, type LoadPlan, type LoadReport } from "./load";
import { COMMON_ENV, CONCURRENCY } from "./scenario";
import type { FaultContext, FaultScenario, Outcome } from "./types";
import { startUp, waitForApi, type UpProcess } from "./up-process";
import { settle, verify } from "./verify";

/**
 * `npm run up` supervises what it runs (issue #11): a worker killed with -9 under it is logged
 * and started again after a backoff that doubles, while its Postgres and Redis keep running,
 * and nothing accepted meanwhile is lost; then, with Redis hung (SIGSTOP), a SIGTERM still
 * stops everything it started within 10 s and leaves no process behind. Its servers are its
 * own (in a data dir under /tmp), not the suite's.
 */
const NAME = "up-supervision";
export const UP_STOP_LIMIT_MS = 10_000;

interface Kill {
  /** The delay up.sh said it would restart after; null if it said nothing, or never restarted it. */
  delayMs: number | null;
  /** From the kill to the new process saying it is ready. */
  backMs: number;
}

/** kill -9 the worker; resolves once up.sh has said so and the new one is ready (null: no worker to kill). */
async function killWorker(up: UpProcess, problems: string[]): Promise<Kill | null> {
  const pid = up.appPid("worker.1");
  if (pid === null || !readCmdline(pid).includes("dist/workers/delivery.js")) {
    problems.push(`app.pids names no running worker.1 (pid ${pid})`);
    return null;
  }
  const from = up.lines.length;
  const killed = Date.now();
  process.kill(pid, "SIGKILL");
  const said = await up.waitForLine(new RegExp(`worker\\.1 \\(pid ${pid}\\) was killed by SIGKILL after [\\d.]+ s; restarting it in ([\\d.]+) s`), from, 5_000);
  const restarted = await up.waitForLine(/restarted worker\.1 \(pid (\d+)\)/, from, 40_000);
  if (!said || !restarted) {
    problems.push(`up.sh did not ${said ? "restart" : "log the death of"} worker.1 (pid ${pid}); its last lines: ${up.lines.slice(-5).join(" | ")}`);
    return { delayMs: null, backMs: Date.now() - killed };
  }
  const newPid = Number(/\(pid (\d+)\)/.exec(restarted.line)![1]);
  const ready = await up.waitForLine(new RegExp(`^worker\\.1 .*"pid":${newPid},.*"delivery worker ready"`), restarted.index, 30_000);
  if (!ready) problems.push(`the restarted worker.1 (pid ${newPid}) never said it was ready`);
  if (up.appPid("worker.1") !== newPid) problems.push(`app.pids does not name the restarted worker.1 (pid ${newPid})`);
  return { delayMs: Math.round(Number(/restarting it in ([\d.]+) s/.exec(said.line)![1]) * 1000), backMs: Date.now() - killed };
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

/** Hangs Redis, SIGTERMs up.sh; it must exit within the limit, 0, with nothing of its own left. */
async function stopWithRedisHung(up: UpProcess, notes: string[], problems: string[]): Promise<void> {
  const redis = up.redis();
  if (!redis) {
    problems.push("no Redis pid in the data dir");
    return;
  }
  process.kill(redis.pid, "SIGSTOP");
  const own = up.processes();
  const from = up.lines.length;
  const started = Date.now();
  up.child.kill("SIGTERM");
  const exit = await within(up.exited, UP_STOP_LIMIT_MS);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (!exit) {
    problems.push(`up.sh still running ${UP_STOP_LIMIT_MS / 1000} s after SIGTERM with Redis hung`);
    return;
  }
  if (exit.code !== 0) problems.push(`up.sh ended by ${exit.signal ?? `exit code ${exit.code}`} after SIGTERM`);
  // A prefixer may take a moment to read the last of its app's output.
  await waitFor(async () => !own.some(stillRunning), 1_000, 50);
  const left = own.filter(stillRunning);
  if (left.length > 0) problems.push(`left behind by up.sh: ${left.map((p) => `${p.comm} (pid ${p.pid}, ${p.state})`).join(", ")}`);
  if (up.lines.slice(from).some((l) => l.includes("killing them"))) problems.push("up.sh had to SIGKILL app processes: their own SIGTERM handling took too long with Redis hung");
  const worker = up.lines.slice(from).find((l) => /worker\.1 \(pid \d+\) exited with code 0, [\d.]+ s after SIGTERM/.test(l));
  notes.push(`SIGTERM with Redis hung: up.sh exited ${exit.code} in ${seconds} s${worker ? ` (worker ${/code 0, ([\d.]+ s)/.exec(worker)![1]})` : ""}, ${own.length} processes of its own, ${left.length === 0 ? "none" : left.length} left`);
}

async function run(ctx: FaultContext): Promise<Outcome[]> {
  const { scale, receiver } = ctx;
  const kills = scale.name === "short" ? 2 : 3;
  const notes: string[] = [];
  const problems: string[] = [];
  // Not under the checkout, and open: as root, Postgres runs as `postgres`, which must reach it.
  const dir = mkdtempSync(join(tmpdir(), "hookrelay-faults-up-"));
  chmodSync(dir, 0o755);
  const up = await startUp({
    dataDir: join(dir, "data"),
    logFile: join(ctx.logDir, `${NAME}-up.log`),
    workers: 1,
    env: {
      ...COMMON_ENV,
      HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: "25",
      HOOKRELAY_WORKER_CONCURRENCY: String(CONCURRENCY),
      HOOKRELAY_RATE_LIMIT: "100000/s",
      HOOKRELAY_INGEST_RATE_LIMIT: "100000/s",
      HOOKRELAY_ADMIN_RATE_LIMIT: "100000/s",
    },
  });
  // However the suite ends, up.sh is told to stop; it then stops its servers by itself.
  const onExit = () => up.running && up.child.kill("SIGTERM");
  process.once("exit", onExit);
  const admin = new ApiClient(up.apiUrl, up.adminKey, 2);
  let client: ApiClient | null = null;
  let db: Pool | null = null;
  try {
    const began = Date.now();
    await waitForApi(up, 180_000);
    if (!(await up.waitForLine(/^worker\.1 .*"delivery worker ready"/, 0, 30_000))) throw new Error("worker.1 never said it was ready");
    notes.push(`up in ${((Date.now() - began) / 1000).toFixed(1)} s`);
    const servers = [up.postmaster(), up.redis()];
    if (servers.some((s) => s === null)) throw new Error("no Postgres or Redis pid in the data dir");

    const paths = ["/f/up/0", "/f/up/1"];
    const account = await setupAccount(admin, NAME, paths.map((p) => `${receiver.url}${p}`));
    // Answers take 100 ms, so the worker always has attempts in flight to be killed in.
    await receiver.setBehaviours(Object.fromEntries(paths.map((p) => [p, { then: { kind: "slow" as const, delayMs: 100 } }])));
    client = admin.withKey(account.apiKey, 64);
    db = new Pool({ connectionString: up.databaseUrl, max: 2 });
    // As in harness/stack.ts: an idle client's error must not throw out of the suite.
    db.on("error", () => undefined);

    const plan: LoadPlan = { tag: NAME, batchSize: 10, keys: "event", giveUpAfterMs: scale.settleTimeoutMs, ratePerSec: scale.ratePerSec, events: Math.round((scale.ratePerSec * scale.loadMs) / 1000) };
    const loadBegan = Date.now();
    const loading = runLoad(client, plan);
    const done: Kill[] = [];
    for (let k = 1; k <= kills; k++) {
      await sleep(Math.max(0, loadBegan + (scale.loadMs * k) / (kills + 1) - Date.now()));
      const kill = await killWorker(up, problems);
      if (kill) done.push(kill);
      if (!kill || kill.delayMs === null) break;
    }
    const load: LoadReport = await loading;
    // Each restart waits twice as long as the one before (all runs here are short-lived).
    const delays = done.map((d) => d.delayMs);
    if (delays.some((d, i) => d !== null && d !== 1_000 * 2 ** i)) problems.push(`restart delays ${delays.join(", ")} ms, not 1 s doubling`);
    notes.push(`kill -9 worker.1 ×${done.length}: restarted after ${delays.map((d) => `${d === null ? "?" : d / 1000} s`).join(", ")}, ready ${done.map((d) => `${(d.backMs / 1000).toFixed(1)} s`).join(", ")} after the kill`);
    const moved = servers.filter((s) => !stillRunning(s as ProcessRef));
    if (moved.length > 0) problems.push(`${moved.map((s) => s!.comm).join(" and ")} did not keep running through the restarts`);

    const settleMs = await settle(db, account.accountId, load.accepted.size * paths.length, scale.settleTimeoutMs);
    await sleep(500);
    const verdict = await verify({
      db,
      receiver,
      accountId: account.accountId,
      tag: NAME,
      load,
      webhooks: account.webhookIds.map((id, i) => ({ id, path: paths[i]!, outcome: "succeeded" as const })),
      settleMs,
      allowedAnswers: [],
      // A kill can repeat at most what the worker had in flight.
      maxDuplicates: done.length * CONCURRENCY,
      crashes: [],
    });
    if (verdict.notAccepted + verdict.duplicates === 0) problems.push("the kills hit an idle worker: nothing was cut off or repeated");
    await db.end();
    db = null;
    await stopWithRedisHung(up, notes, problems);
    verdict.problems.push(...problems);
    return [{ scenario: `npm run up: kill -9 its worker ×${done.length}, then SIGTERM with Redis hung`, verdict, notes }];
  } finally {
    await client?.close();
    await admin.close();
    await db?.end();
    await receiver.forget(NAME);
    const leftovers = up.processes();
    // A hung Redis would keep its own stop waiting; anything still there after a stop is killed.
    signalAll(leftovers.map((p) => p.pid), "SIGCONT");
    if (up.running) {
      up.child.kill("SIGTERM");
      if (!(await within(up.exited, 15_000)) && up.child.pid) process.kill(-up.child.pid, "SIGKILL");
    }
    signalAll(leftovers.filter(stillRunning).map((p) => p.pid), "SIGKILL");
    process.removeListener("exit", onExit);
    rmSync(dir, { recursive: true, force: true });
  }
}

export const upSupervision: FaultScenario = { name: NAME, run };
