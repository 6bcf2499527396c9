import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { projectRoot } from "../src/lib/project-root";
import { sleep } from "./stats";

/**
 * The processes under test run from dist/. When the harness runs from source (jest), this
 * builds dist/ first if it is missing or older than any source it is built from, so a fresh
 * clone and an edit-then-test loop both test the code as it is now.
 */
const ROOT = projectRoot(__dirname);
const SOURCES = ["src", "workers", "harness"];
const OUTPUTS = ["dist/workers/api.js", "dist/workers/delivery.js", "dist/harness/receiver-child.js"];

/** The newest mtime of the files under `dir` that `counts` (by name), in folders other than node_modules and dist. */
export function newestFile(dir: string, counts: (name: string) => boolean = () => true): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestFile(path, counts));
    else if (counts(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

export function distIsStale(): boolean {
  const outputs = OUTPUTS.map((o) => join(ROOT, o));
  if (outputs.some((o) => !existsSync(o))) return true;
  const built = Math.min(...outputs.map((o) => statSync(o).mtimeMs));
  return SOURCES.some((s) => newestFile(join(ROOT, s), (name) => name.endsWith(".ts")) > built);
}

/**
 * Several jest workers may ask at once (test/faults and test/hosts both start with this): one
 * builds and the others wait, then find dist/ fresh. Without it, one would start processes from
 * files that another's tsc is rewriting. The lock is a directory (mkdir is atomic) naming its
 * owner's pid, so a holder that died does not block the next run.
 */
const LOCK = join(ROOT, "node_modules", ".cache", "hookrelay-build.lock");

/** Runs `build` holding the lock directory `lock` (dist/'s by default; the portal has its own). */
export async function withBuildLock(build: () => Promise<void>, lock: string = LOCK): Promise<void> {
  mkdirSync(join(lock, ".."), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      const owner = Number(readFileSafe(join(lock, "pid")));
      if (owner > 0 && !isAlive(owner)) rmSync(lock, { recursive: true, force: true });
      else await sleep(200);
    }
  }
  try {
    writeFileSync(join(lock, "pid"), String(process.pid));
    await build();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** A small file's text, or "" while it does not exist (a lock's pid its owner has not written yet, a stamp). */
export function readFileSafe(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Runs `tsc -p tsconfig.build.json` when dist/ is stale. Type errors are the typecheck's to report; a build that leaves no outputs throws. */
export async function ensureBuilt(log: (message: string) => void = () => undefined): Promise<void> {
  // Always under the lock, also to find dist/ fresh: another worker's tsc may have written the
  // outputs checked here and still be writing the rest.
  await withBuildLock(async () => {
    if (distIsStale()) await build(log);
  });
}

async function build(log: (message: string) => void): Promise<void> {
  log("dist/ is missing or stale: building (tsc -p tsconfig.build.json)");
  const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
  try {
    await promisify(execFile)(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const out = (err as { stdout?: string }).stdout ?? String(err);
    if (OUTPUTS.some((o) => !existsSync(join(ROOT, o)))) throw new Error(`build failed:\n${out}`);
    console.warn(`tsc reported errors but emitted dist/ (npm run typecheck reports them):\n${out.slice(0, 2_000)}`);
  }
}
