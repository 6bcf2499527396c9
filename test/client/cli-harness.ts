import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { projectRoot } from "../../src/lib/project-root";

/**
 * The CLI as its users run it: `node packages/client/bin/hookrelay.js …`, a subprocess of the
 * built package (ensureClientBuilt first), configured only through its environment.
 */
const ROOT = projectRoot(__dirname);
export const CLIENT_BIN = join(ROOT, "packages", "client", "bin", "hookrelay.js");
export const ROOT_BIN = join(ROOT, "bin", "hookrelay.js");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment of a CLI run: none of the test process's HOOKRELAY_* settings leak in. */
export function cliEnv(api: { baseUrl: string; apiKey: string } | null, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("HOOKRELAY_")) env[k] = v;
  if (api) Object.assign(env, { HOOKRELAY_API_URL: api.baseUrl, HOOKRELAY_API_KEY: api.apiKey });
  return { ...env, ...extra };
}

/** Runs one command to its end. */
export function runBin(
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { stdin?: string; timeoutMs?: number; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, cwd: opts.cwd ?? ROOT, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`hookrelay ${args.join(" ")} did not finish within ${opts.timeoutMs ?? 20_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 20_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? "");
  });
}

/** A long-running command (tail, listen): its output line by line as it comes, with arrival times. */
export interface StreamingCli {
  child: ChildProcess;
  lines: { text: string; at: number }[];
  stderr(): string;
  /** The first stdout line `match` accepts, waiting for it up to `timeoutMs`. */
  waitForLine(match: (line: string) => boolean, what: string, timeoutMs?: number): Promise<{ text: string; at: number }>;
  /** How the process ended, once it has. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `signal` and resolves with how the process ended. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startStreaming(bin: string, args: string[], env: NodeJS.ProcessEnv): StreamingCli {
  const child = spawn(process.execPath, [bin, ...args], { env, cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const lines: StreamingCli["lines"] = [];
  let partial = "";
  let err = "";
  const waiters = new Set<() => void>();
  child.stdout!.on("data", (c: Buffer) => {
    const at = Date.now();
    partial += c.toString("utf8");
    const parts = partial.split("\n");
    partial = parts.pop()!;
    for (const text of parts) lines.push({ text, at });
    for (const w of waiters) w();
  });
  child.stderr!.on("data", (c: Buffer) => (err += c.toString("utf8")));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  void exited.then(() => waiters.forEach((w) => w()));

  return {
    child,
    lines,
    exited,
    stderr: () => err,
    waitForLine(match, what, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.find((l) => match(l.text));
          if (found) return finish(() => resolve(found));
          if (child.exitCode !== null || child.signalCode !== null) return finish(() => reject(new Error(`the CLI exited (${child.exitCode ?? child.signalCode}) before ${what}\nstdout:\n${lines.map((l) => l.text).join("\n")}\nstderr:\n${err}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\nstdout:\n${lines.map((l) => l.text).join("\n")}\nstderr:\n${err}`))), timeoutMs);
        const finish = (fn: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          fn();
        };
        waiters.add(check);
        check();
      });
    },
    async stop(signal = "SIGINT", timeoutMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
