import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, readFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { Pool } from "pg";
import { createDatabase, dropDatabase } from "./databases";
import { projectRoot } from "../src/lib/project-root";
import { waitFor, within } from "./stats";

/**
 * The real thing, as operators run it: `hookrelay migrate` on a fresh database, the API
 * process and N delivery worker processes built in dist/, each a child of the harness with its
 * own environment, and their resident memory sampled from /proc while they run. The fault
 * suite also kills, signals and restarts them one by one.
 */
const ROOT = projectRoot(__dirname);
const run = promisify(execFile);

export interface MemoryTrace {
  name: string;
  pid: number;
  /** [ms since sampling started, RSS in MiB] */
  samples: [number, number][];
}

/** How a process of the stack ended. `expected` is false for a crash: nobody asked it to stop. */
export interface ProcessExit {
  name: string;
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  expected: boolean;
  /** Its last lines of output. */
  tail: string[];
}

export interface StackOptions {
  /** Names the database and the queue prefix; unique per run. */
  name: string;
  adminDatabaseUrl: string;
  redisUrl: string;
  concurrency: number;
  /** Extra HOOKRELAY_* settings (retry schedule, in-flight cap…). */
  env?: Record<string, string>;
  /** Settings of one process alone, by name ("api", "worker1"…), over `env`: a listener port each process needs its own of. */
  envFor?: (process: string) => Record<string, string>;
  /** Where API and workers write V8 CPU profiles (on exit), if anywhere. */
  profileDir?: string | null;
  /** Where each process's whole output goes (`<name>-<process>.log`, appended), if anywhere. */
  logDir?: string | null;
  /** Put before a process's command line, by name ("api", "worker1"…): `ip netns exec <ns>` runs it on a host of hosts.ts. */
  commandPrefix?: (process: string) => string[];
  /** The address the API listens on and `apiUrl` names (HOST); 127.0.0.1 by default. */
  apiHost?: string;
}

export interface Stack {
  apiUrl: string;
  adminKey: string;
  databaseUrl: string;
  prefix: string;
  /** The settings every process of this stack got, secrets left out. */
  settings: Record<string, string>;
  /** A small pool on the stack's database, for polling counts. */
  db: Pool;
  startWorkers(n: number): void;
  /** Resolves once every running worker has said it is ready (consuming); throws after `timeoutMs`. */
  workersReady(timeoutMs?: number): Promise<void>;
  stopWorkers(): Promise<void>;
  /** Names of the processes alive now: "api", "worker1", … */
  running(): string[];
  /** Pids of the live processes whose name starts with `prefix` ("api", "worker"). */
  pidsOf(prefix: string): number[];
  /**
   * Sends `signal` to a process that is then expected to exit; resolves to how it exited, or
   * null if it still runs after `timeoutMs`.
   */
  signal(name: string, signal: NodeJS.Signals, timeoutMs?: number): Promise<ProcessExit | null>;
  /** Starts an exited process again under its name (same script and environment; the API on its port, ready). */
  respawn(name: string): Promise<void>;
  /** Exits nobody asked for (crashes), so far. */
  crashes(): ProcessExit[];
  /** Starts sampling RSS of every child (again) every `everyMs`. */
  sampleMemory(everyMs?: number): void;
  memory(): MemoryTrace[];
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();

/** Last resort on exit: nothing the bench started may outlive it. */
export function killAllChildren(): void {
  for (const child of live) child.kill("SIGKILL");
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function rssMiB(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : null;
  } catch {
    return null;
  }
}

interface Proc {
  name: string;
  script: string;
  child: ChildProcess;
  tail: string[];
  stopping: boolean;
  /** A worker said "delivery worker ready". */
  ready: boolean;
  exit: Promise<ProcessExit>;
}

const TAIL_LINES = 40;

export async function startStack(opts: StackOptions): Promise<Stack> {
  const suffix = `${Date.now().toString(36)}_${randomBytes(2).toString("hex")}`;
  const dbName = `hr_${opts.name.replace(/[^a-z0-9]/gi, "_")}_${suffix}`.toLowerCase();
  const databaseUrl = await createDatabase(opts.adminDatabaseUrl, dbName);
  const adminKey = randomBytes(24).toString("hex");
  const prefix = `hr-${opts.name}-${suffix}`;
  const port = await freePort();
  const apiHost = opts.apiHost ?? "127.0.0.1";
  const settings: Record<string, string> = {
    HOOKRELAY_ALLOW_HTTP_URLS: "true",
    // The bench receiver listens on loopback, which the egress guard refuses by default.
    HOOKRELAY_EGRESS_ALLOW_CIDRS: "127.0.0.0/8,::1/128",
    LOG_LEVEL: "warn",
    // Limited as in production (the check costs a Redis call per request), but far above any
    // rate the harness offers, so that it measures the pipeline and never sees a 429.
    HOOKRELAY_RATE_LIMIT: "100000/s",
    HOOKRELAY_INGEST_RATE_LIMIT: "100000/s",
    HOOKRELAY_ADMIN_RATE_LIMIT: "100000/s",
    HOOKRELAY_QUEUE_PREFIX: prefix,
    HOOKRELAY_WORKER_CONCURRENCY: String(opts.concurrency),
    ...opts.env,
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...settings,
    NODE_ENV: "production",
    DATABASE_URL: databaseUrl,
    REDIS_URL: opts.redisUrl,
    HOOKRELAY_ADMIN_KEY: adminKey,
    HOOKRELAY_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString("base64")}`,
    PORT: String(port),
    HOST: apiHost,
  };
  await run(process.execPath, [join(ROOT, "bin", "hookrelay.js"), "migrate"], { env, cwd: ROOT });

  const procs: Proc[] = [];
  const crashes: ProcessExit[] = [];
  const spawnProc = (name: string, script: string): Proc => {
    const profile = opts.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${opts.profileDir}`, `--cpu-prof-name=${opts.name}-${name}.cpuprofile`] : [];
    // Workers log at info at least: their one info line says when they are ready.
    const base = script === "delivery.js" && env.LOG_LEVEL === "warn" ? { ...env, LOG_LEVEL: "info" } : env;
    const own = opts.envFor ? { ...base, ...opts.envFor(name) } : base;
    // A prefix such as `ip netns exec` execs node in place: the child's pid is node's, so signals,
    // /proc sampling and exit codes mean what they do without one.
    const [cmd, ...argv] = [...(opts.commandPrefix?.(name) ?? []), process.execPath, ...profile, join(ROOT, "dist", "workers", script)];
    const child = spawn(cmd!, argv, { env: own, cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    live.add(child);
    const keep = (chunk: Buffer) => {
      const lines = chunk.toString("utf8").split("\n").filter(Boolean);
      if (lines.some((l) => l.includes('"delivery worker ready"'))) proc.ready = true;
      proc.tail.push(...lines);
      if (proc.tail.length > TAIL_LINES) proc.tail.splice(0, proc.tail.length - TAIL_LINES);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    if (opts.logDir) {
      const file = createWriteStream(join(opts.logDir, `${opts.name}-${name}.log`), { flags: "a" });
      child.stdout?.pipe(file, { end: false });
      child.stderr?.pipe(file, { end: false });
      child.once("close", () => file.end());
    }
    const exit = new Promise<ProcessExit>((resolve) =>
      child.once("exit", (code, signal) => {
        live.delete(child);
        const ended: ProcessExit = { name, pid: child.pid ?? -1, code, signal, expected: proc.stopping, tail: [...proc.tail] };
        if (!proc.stopping) {
          crashes.push(ended);
          console.error(`[stack] ${name} (pid ${child.pid}) exited unexpectedly (${signal ?? code}):\n  ${proc.tail.join("\n  ")}`);
        }
        resolve(ended);
      }),
    );
    const proc: Proc = { name, script, child, tail: [], stopping: false, ready: false, exit };
    const at = procs.findIndex((p) => p.name === name);
    if (at >= 0) procs[at] = proc;
    else procs.push(proc);
    return proc;
  };
  const alive = (p: Proc) => p.child.exitCode === null && p.child.signalCode === null;
  const stopProcs = async (which: Proc[]) => {
    await Promise.all(
      which.map(async (p) => {
        p.stopping = true;
        if (!alive(p)) return;
        p.child.kill("SIGTERM");
        // Throwaway data: do not wait out attempts hanging on a dead endpoint.
        await within(p.exit, 3_000);
        if (alive(p)) p.child.kill("SIGKILL");
        await within(p.exit, 1_000);
      }),
    );
  };

  const apiUrl = `http://${apiHost}:${port}`;
  const startApi = async (probe: "/readyz" | "/healthz") => {
    const api = spawnProc("api", "api.js");
    const ready = await waitFor(async () => {
      try {
        return (await fetch(`${apiUrl}${probe}`)).ok;
      } catch {
        return false;
      }
    }, 30_000, 100);
    if (!ready) throw new Error(`API did not become ready:\n${api.tail.join("\n")}`);
  };
  try {
    await startApi("/readyz");
  } catch (err) {
    await stopProcs(procs);
    throw err;
  }
  const named = (name: string) => {
    const p = procs.find((q) => q.name === name);
    if (!p) throw new Error(`no process named ${name} in this stack`);
    return p;
  };

  let traces = new Map<Proc, MemoryTrace>();
  let timer: NodeJS.Timeout | null = null;
  let started = 0;
  const sample = () => {
    for (const p of procs) {
      if (p.stopping || p.child.pid === undefined) continue;
      const rss = rssMiB(p.child.pid);
      if (rss === null) continue;
      let trace = traces.get(p);
      if (!trace) traces.set(p, (trace = { name: p.name, pid: p.child.pid, samples: [] }));
      trace.samples.push([Date.now() - started, rss]);
    }
  };
  const db = new Pool({ connectionString: databaseUrl, max: 2 });
  // An idle client's error is the pool's to emit, and with no listener it throws out of the
  // harness: the fault suite saw one ending as stop() dropped the database (57P01, "terminating
  // connection due to administrator command"). What the stack reads it reads by query, which
  // reports its own errors.
  db.on("error", () => undefined);
  let workerCount = 0;
  const workersReady = async (timeoutMs = 30_000) => {
    const workers = () => procs.filter((p) => p.script === "delivery.js" && alive(p));
    if (!(await waitFor(async () => workers().every((p) => p.ready), timeoutMs, 50))) {
      throw new Error(`workers not ready after ${timeoutMs} ms: ${workers().filter((p) => !p.ready).map((p) => `${p.name}: ${p.tail.slice(-3).join(" | ")}`).join("; ")}`);
    }
  };

  return {
    apiUrl,
    adminKey,
    databaseUrl,
    prefix,
    settings,
    db,
    startWorkers(n) {
      for (let i = 0; i < n; i++) spawnProc(`worker${++workerCount}`, "delivery.js");
    },
    workersReady,
    async stopWorkers() {
      await stopProcs(procs.filter((p) => p.name.startsWith("worker")));
    },
    running: () => procs.filter(alive).map((p) => p.name),
    pidsOf: (prefix) => procs.filter((p) => alive(p) && p.name.startsWith(prefix) && p.child.pid !== undefined).map((p) => p.child.pid!),
    async signal(name, signal, timeoutMs = 30_000) {
      const p = named(name);
      p.stopping = true;
      p.child.kill(signal);
      return within(p.exit, timeoutMs);
    },
    async respawn(name) {
      const p = named(name);
      if (alive(p)) throw new Error(`${name} is still running`);
      // Up is enough: a fault may still be keeping Postgres or Redis away.
      if (name === "api") await startApi("/healthz");
      else spawnProc(name, p.script);
      if (p.script === "delivery.js") await workersReady();
    },
    crashes: () => [...crashes],
    sampleMemory(everyMs = 500) {
      if (timer) clearInterval(timer);
      traces = new Map();
      started = Date.now();
      sample();
      timer = setInterval(sample, everyMs);
    },
    memory: () => [...traces.values()],
    async stop() {
      if (timer) clearInterval(timer);
      await stopProcs(procs);
      await db.end();
      // A finished stack's database is of no further use, and autovacuum working through it
      // would be counted in the next measurement's Postgres CPU.
      await dropDatabase(opts.adminDatabaseUrl, dbName).catch(() => undefined);
    },
  };
}

/** Peak, first and last RSS of a trace, in MiB. */
export function rssSummary(t: MemoryTrace): { peak: number | null; first: number | null; last: number | null } {
  if (t.samples.length === 0) return { peak: null, first: null, last: null };
  return { peak: Math.max(...t.samples.map((s) => s[1])), first: t.samples[0]![1], last: t.samples[t.samples.length - 1]![1] };
}
