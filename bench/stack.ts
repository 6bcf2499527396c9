import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client, Pool } from "pg";
import { sleep, waitFor } from "./stats";

/**
 * The real thing, as operators run it: `hookrelay migrate` on a fresh database, the API
 * process and N delivery worker processes, each a child of the bench with its own environment,
 * and their resident memory sampled from /proc while they run.
 */
const ROOT = join(__dirname, "..", "..");
const run = promisify(execFile);

export interface MemoryTrace {
  name: string;
  pid: number;
  /** [ms since sampling started, RSS in MiB] */
  samples: [number, number][];
}

export interface StackOptions {
  /** Names the database and the queue prefix; unique per run. */
  name: string;
  adminDatabaseUrl: string;
  redisUrl: string;
  concurrency: number;
  /** Extra HOOKRELAY_* settings (retry schedule, in-flight cap…). */
  env?: Record<string, string>;
  /** Where API and workers write V8 CPU profiles (on exit), if anywhere. */
  profileDir?: string | null;
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
  stopWorkers(): Promise<void>;
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

async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
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
  child: ChildProcess;
  tail: string[];
  stopping: boolean;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const suffix = `${Date.now().toString(36)}_${randomBytes(2).toString("hex")}`;
  const dbName = `bench_${opts.name.replace(/[^a-z0-9]/gi, "_")}_${suffix}`.toLowerCase();
  const databaseUrl = await createDatabase(opts.adminDatabaseUrl, dbName);
  const adminKey = randomBytes(24).toString("hex");
  const prefix = `bench-${opts.name}-${suffix}`;
  const port = await freePort();
  const settings: Record<string, string> = {
    HOOKRELAY_ALLOW_HTTP_URLS: "true",
    LOG_LEVEL: "warn",
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
  };
  await run(process.execPath, [join(ROOT, "bin", "hookrelay.js"), "migrate"], { env, cwd: ROOT });

  const procs: Proc[] = [];
  const spawnProc = (name: string, script: string): Proc => {
    const profile = opts.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${opts.profileDir}`, `--cpu-prof-name=${opts.name}-${name}.cpuprofile`] : [];
    const child = spawn(process.execPath, [...profile, join(ROOT, "dist", "workers", script)], { env, cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    live.add(child);
    const proc: Proc = { name, child, tail: [], stopping: false };
    const keep = (chunk: Buffer) => {
      proc.tail.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      if (proc.tail.length > 20) proc.tail.splice(0, proc.tail.length - 20);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.on("exit", (code, signal) => {
      live.delete(child);
      if (!proc.stopping) console.error(`[bench] ${name} (pid ${child.pid}) exited unexpectedly (${signal ?? code}):\n  ${proc.tail.join("\n  ")}`);
    });
    procs.push(proc);
    return proc;
  };
  const stopProcs = async (which: Proc[]) => {
    await Promise.all(
      which.map(async (p) => {
        p.stopping = true;
        if (p.child.exitCode !== null || p.child.signalCode !== null) return;
        const exited = new Promise((resolve) => p.child.once("exit", resolve));
        p.child.kill("SIGTERM");
        // Throwaway data: do not wait out attempts hanging on a dead endpoint.
        await Promise.race([exited, sleep(3_000)]);
        if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
        await Promise.race([exited, sleep(1_000)]);
      }),
    );
  };

  const api = spawnProc("api", "api.js");
  const apiUrl = `http://127.0.0.1:${port}`;
  const ready = await waitFor(async () => {
    try {
      return (await fetch(`${apiUrl}/readyz`)).ok;
    } catch {
      return false;
    }
  }, 30_000, 100);
  if (!ready) {
    await stopProcs(procs);
    throw new Error(`API did not become ready:\n${api.tail.join("\n")}`);
  }

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
  let workerCount = 0;

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
    async stopWorkers() {
      await stopProcs(procs.filter((p) => p.name.startsWith("worker")));
    },
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
    },
  };
}

/** Peak, first and last RSS of a trace, in MiB. */
export function rssSummary(t: MemoryTrace): { peak: number | null; first: number | null; last: number | null } {
  if (t.samples.length === 0) return { peak: null, first: null, last: null };
  return { peak: Math.max(...t.samples.map((s) => s[1])), first: t.samples[0]![1], last: t.samples[t.samples.length - 1]![1] };
}
