import { execFile } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { projectRoot } from "../src/lib/project-root";

/**
 * The processes under test run from dist/. When the harness runs from source (jest), this
 * builds dist/ first if it is missing or older than any source it is built from, so a fresh
 * clone and an edit-then-test loop both test the code as it is now.
 */
const ROOT = projectRoot(__dirname);
const SOURCES = ["src", "workers", "harness"];
const OUTPUTS = ["dist/workers/api.js", "dist/workers/delivery.js", "dist/harness/receiver-child.js"];

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

export function distIsStale(): boolean {
  const outputs = OUTPUTS.map((o) => join(ROOT, o));
  if (outputs.some((o) => !existsSync(o))) return true;
  const built = Math.min(...outputs.map((o) => statSync(o).mtimeMs));
  return SOURCES.some((s) => newestSource(join(ROOT, s)) > built);
}

/** Runs `tsc -p tsconfig.build.json` when dist/ is stale. Type errors are the typecheck's to report; a build that leaves no outputs throws. */
export async function ensureBuilt(log: (message: string) => void = () => undefined): Promise<void> {
  if (!distIsStale()) return;
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
