import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, readFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../src/lib/project-root";
import { descendants, processRef, type ProcessRef } from "../harness/procs";
import { freePort } from "../harness/stack";
import { sleep, within } from "../harness/stats";

/**
 * `npm run up` (scripts/up.sh) as a child of the suite, as a developer runs it: its own
 * Postgres and Redis in a data dir of its own, the API and its workers under its supervision.
 * Its output is kept line by line, so that a scenario can wait for what it says.
 */
const ROOT = projectRoot(__dirname);

export interface UpExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface UpProcess {
  child: ChildProcess;
  apiUrl: string;
  adminKey: string;
  databaseUrl: string;
  dataDir: string;
  /** Every line it printed so far (its own and the prefixed lines of its processes). */
  lines: string[];
  exited: Promise<UpExit>;
  readonly running: boolean;
  /** Resolves to the first line at index `from` or later matching `re`; null after `timeoutMs` or once it exited. */
  waitForLine(re: RegExp, from: number, timeoutMs: number): Promise<{ line: string; index: number } | null>;
  /** The pid app.pids gives `name` ("api", "worker.1"), if any. */
  appPid(name: string): number | null;
  postmaster(): ProcessRef | null;
  redis(): ProcessRef | null;
  /** up.sh, everything below it, and the servers it started: what must be gone once it exited. */
  processes(): ProcessRef[];
}

/** Settings of the suite's own run (queue prefix, database, ports) would point up.sh elsewhere. */
function inheritedEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (["DATABASE_URL", "REDIS_URL", "PORT", "HOST"].includes(key)) continue;
    if (key.startsWith("HOOKRELAY_") && key !== "HOOKRELAY_PG_BIN") continue;
    env[key] = value;
  }
  return env;
}

/** Starts up.sh with its data in `dataDir` and free ports; `env` goes to it and so to its processes. */
export async function startUp(opts: { dataDir: string; logFile: string; workers: number; env: Record<string, string> }): Promise<UpProcess> {
  const [pgPort, redisPort, port] = [await freePort(), await freePort(), await freePort()];
  const adminKey = `hr_admin_${randomBytes(24).toString("hex")}`;
  const child = spawn("bash", [join(ROOT, "scripts", "up.sh")], {
    cwd: ROOT,
    // A group of its own: a signal meant for the suite (a Ctrl-C) must not reach it, so that
    // it is stopped as the scenario says, and never half-way.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...inheritedEnv(),
      // No metrics listeners: up.sh's default ports (9464 on) may be taken by a developer's own run.
      HOOKRELAY_METRICS_PORT: "",
      ...opts.env,
      NODE_ENV: "production",
      HOOKRELAY_DATA_DIR: opts.dataDir,
      HOOKRELAY_PG_PORT: String(pgPort),
      HOOKRELAY_REDIS_PORT: String(redisPort),
      PORT: String(port),
      HOOKRELAY_WORKER_PROCESSES: String(opts.workers),
      // The suite built dist/ just before (test-faults.sh, or ensureBuilt under jest).
      HOOKRELAY_BUILD: "if-stale",
      HOOKRELAY_ADMIN_KEY: adminKey,
      HOOKRELAY_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString("base64")}`,
    },
  });
  const lines: string[] = [];
  const log = createWriteStream(opts.logFile, { flags: "a" });
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = "";
    stream.on("data", (chunk: Buffer) => {
      log.write(chunk);
      const parts = (rest + chunk.toString("utf8")).split("\n");
      rest = parts.pop()!;
      lines.push(...parts);
    });
  }
  let running = true;
  const exited = new Promise<UpExit>((resolve) =>
    child.once("exit", (code, signal) => {
      running = false;
      resolve({ code, signal });
    }),
  );
  child.once("close", () => log.end());

  const readPid = (file: string, line = 0) => {
    try {
      const pid = Number(readFileSync(join(opts.dataDir, file), "utf8").split("\n")[line]);
      return Number.isInteger(pid) && pid > 0 ? processRef(pid) : null;
    } catch {
      return null;
    }
  };
  const up: UpProcess = {
    child,
    apiUrl: `http://127.0.0.1:${port}`,
    adminKey,
    databaseUrl: `postgresql://hookrelay:hookrelay@127.0.0.1:${pgPort}/hookrelay`,
    dataDir: opts.dataDir,
    lines,
    exited,
    get running() {
      return running;
    },
    async waitForLine(re, from, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (let i = from; i < lines.length; i++) if (re.test(lines[i]!)) return { line: lines[i]!, index: i };
        if (!running || Date.now() >= deadline) return null;
        await within(exited, 50);
      }
    },
    appPid(name) {
      try {
        const entry = readFileSync(join(opts.dataDir, "app.pids"), "utf8")
          .split("\n")
          .map((l) => l.split(" "))
          .find(([, n]) => n === name);
        return entry ? Number(entry[0]) : null;
      } catch {
        return null;
      }
    },
    postmaster: () => readPid(join("postgres", "postmaster.pid")),
    redis: () => readPid(join("redis", "redis.pid")),
    processes() {
      const own = child.pid !== undefined ? processRef(child.pid) : null;
      const postmaster = up.postmaster();
      const servers = postmaster ? [postmaster, ...descendants(postmaster.pid)] : [];
      const redis = up.redis();
      return [...(own ? [own, ...descendants(own.pid)] : []), ...servers, ...(redis ? [redis] : [])];
    },
  };
  return up;
}

/** Waits for the API to answer /readyz; throws with up.sh's last lines if it does not, or if up.sh ends. */
export async function waitForApi(up: UpProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && up.running) {
    try {
      if ((await fetch(`${up.apiUrl}/readyz`)).ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
  throw new Error(`npm run up: API not ready ${up.running ? `after ${timeoutMs / 1000} s` : "(up.sh exited)"}:\n  ${up.lines.slice(-15).join("\n  ")}`);
}
