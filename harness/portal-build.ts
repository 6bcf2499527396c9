import { execFile } from "node:child_process";
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { projectRoot } from "../src/lib/project-root";
import { newestFile, readFileSafe, withBuildLock } from "./build";

/**
 * The API serves the built portal from dist/portal (src/portal/static.ts). The browser tests and
 * the bench need it built from the portal's sources as they are now: this runs `vite build`
 * when dist/portal is missing or older than anything under portal/ (or the lock file, which pins
 * vite and react), under a lock of its own, since both jest workers start with it.
 */
const ROOT = projectRoot(__dirname);
export const PORTAL_SOURCES = join(ROOT, "portal");
export const PORTAL_DIST = join(ROOT, "dist", "portal");
const LOCK = join(ROOT, "node_modules", ".cache", "hookrelay-portal-build.lock");
/** Which jest run last found dist/portal fresh: later files of that run skip the check. */
const STAMP = join(ROOT, "node_modules", ".cache", "hookrelay-portal-build.run");

export function portalIsStale(): boolean {
  const index = join(PORTAL_DIST, "index.html");
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return newestFile(PORTAL_SOURCES) > built || statSync(join(ROOT, "package-lock.json")).mtimeMs > built;
}

/**
 * Builds the portal when stale. `run` names one test run: once a run has found the build fresh
 * (or made it), its other files take it as it is, so every file of one run tests the same build
 * even while someone edits portal/ mid-run.
 */
export async function ensurePortalBuilt(opts: { log?: (message: string) => void; run?: string } = {}): Promise<void> {
  const log = opts.log ?? (() => undefined);
  await withBuildLock(async () => {
    if (opts.run !== undefined && existsSync(join(PORTAL_DIST, "index.html")) && readFileSafe(STAMP) === opts.run) return;
    if (portalIsStale()) await build(log);
    if (opts.run !== undefined) writeFileSync(STAMP, opts.run);
  }, LOCK);
}

/**
 * `vite build` into a directory of its own, then swapped in whole: an API serving dist/portal
 * (another engineer's run, `npm run up`) never sees it half-written.
 */
async function build(log: (message: string) => void): Promise<void> {
  log("dist/portal is missing or stale: building (vite build --config portal/vite.config.ts)");
  const out = join(ROOT, "dist", `.portal-build-${process.pid}`);
  const old = join(ROOT, "dist", `.portal-old-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  const vite = join(ROOT, "node_modules", "vite", "bin", "vite.js");
  try {
    await promisify(execFile)(process.execPath, [vite, "build", "--config", "portal/vite.config.ts", "--outDir", out, "--emptyOutDir", "--logLevel", "warn"], {
      cwd: ROOT,
      // Vite takes NODE_ENV from the environment before its mode: under jest (NODE_ENV=test) it
      // would bundle React's development build, 60 % larger and slower than what users get.
      env: { ...process.env, NODE_ENV: "production" },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const { stdout = "", stderr = "" } = err as { stdout?: string; stderr?: string };
    rmSync(out, { recursive: true, force: true });
    throw new Error(`vite build of the portal failed:\n${stdout}\n${stderr}`);
  }
  if (!existsSync(join(out, "index.html"))) throw new Error(`vite build wrote no ${join(out, "index.html")}`);
  if (existsSync(PORTAL_DIST)) renameSync(PORTAL_DIST, old);
  renameSync(out, PORTAL_DIST);
  rmSync(old, { recursive: true, force: true });
}
