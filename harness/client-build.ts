import { execFile } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { projectRoot } from "../src/lib/project-root";
import { newestFile, withBuildLock } from "./build";

/**
 * packages/client is published alone, so what its users run is its own dist/, built by its own
 * tsconfig: the CLI tests spawn it and the package test packs it. This builds it when missing or
 * older than its sources, under a lock of its own (jest workers start with it at once; one
 * packing while another's tsc rewrites dist/ would pack half a build).
 */
const ROOT = projectRoot(__dirname);
export const CLIENT_PACKAGE = join(ROOT, "packages", "client");
const OUTPUTS = ["dist/index.js", "dist/receiver/index.js", "dist/cli/main.js"].map((o) => join(CLIENT_PACKAGE, o));
const LOCK = join(ROOT, "node_modules", ".cache", "hookrelay-client-build.lock");

export function clientIsStale(): boolean {
  if (OUTPUTS.some((o) => !existsSync(o))) return true;
  const built = Math.min(...OUTPUTS.map((o) => statSync(o).mtimeMs));
  const sources = [join(CLIENT_PACKAGE, "src"), join(CLIENT_PACKAGE, "package.json"), join(CLIENT_PACKAGE, "tsconfig.json")];
  return sources.some((s) => (s.endsWith(".json") ? statSync(s).mtimeMs : newestFile(s)) > built);
}

/** Runs `fn` (if given) while holding the lock, after making sure packages/client/dist is fresh. */
export async function ensureClientBuilt(fn?: () => Promise<void>): Promise<void> {
  await withBuildLock(async () => {
    if (clientIsStale()) await build();
    await fn?.();
  }, LOCK);
}

async function build(): Promise<void> {
  const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
  try {
    await promisify(execFile)(process.execPath, [tsc, "-p", join(CLIENT_PACKAGE, "tsconfig.json")], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const out = (err as { stdout?: string }).stdout ?? String(err);
    if (OUTPUTS.some((o) => !existsSync(o))) throw new Error(`packages/client did not build:\n${out}`);
    console.warn(`tsc reported errors in packages/client but emitted dist/ (npm run typecheck reports them):\n${out.slice(0, 2_000)}`);
  }
}
