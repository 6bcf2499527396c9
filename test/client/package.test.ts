import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CLIENT_PACKAGE, ensureClientBuilt } from "../../harness/client-build";
import { startTestApp, type TestApp } from "../support/app";

/**
 * What users install is the tarball `npm pack` makes, not this repo: it must carry its build,
 * its types and its bin, nothing of the repo's sources, and work from a project of its own:
 * required (CommonJS) and imported (ESM), type-checked by a consumer's tsc, its CLI on PATH.
 */
const run = promisify(execFile);
const ROOT = join(__dirname, "..", "..");
const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");

describe("the @hookrelay/client package", () => {
  let app: TestApp;
  let dir: string;
  beforeAll(async () => {
    app = await startTestApp();
    dir = await mkdtemp(join(tmpdir(), "hookrelay-client-pack-"));
  });
  afterAll(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("npm pack makes a tarball that installs into another project and works there", async () => {
    let tarball = "";
    let files: string[] = [];
    // Packed under the build lock, so no other test's tsc rewrites dist/ while it is read.
    await ensureClientBuilt(async () => {
      const { stdout } = await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], { cwd: CLIENT_PACKAGE });
      const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
      tarball = join(dir, info!.filename);
      files = info!.files.map((f) => f.path);
    });
    expect(files).toEqual(
      expect.arrayContaining(["package.json", "README.md", "bin/hookrelay.js", "dist/index.js", "dist/index.d.ts", "dist/receiver/index.js", "dist/receiver/index.d.ts", "dist/cli/main.js"]),
    );
    expect(files.filter((f) => !f.startsWith("dist/") && !f.startsWith("bin/") && !["package.json", "README.md"].includes(f))).toEqual([]);

    const consumer = join(dir, "consumer");
    await mkdir(consumer);
    await writeFile(join(consumer, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true }));
    await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], { cwd: consumer, timeout: 180_000 });
    const installed = JSON.parse(await readFile(join(consumer, "node_modules", "@hookrelay", "client", "package.json"), "utf8")) as { dependencies: Record<string, string> };
    expect(Object.keys(installed.dependencies)).toEqual(["openapi-fetch"]);

    const { apiKey } = await app.newAccount();
    const env = { ...process.env, HOOKRELAY_API_URL: app.baseUrl, HOOKRELAY_API_KEY: apiKey };
    await writeFile(
      join(consumer, "emit.cjs"),
      `const { Hookrelay, HookrelayError } = require("@hookrelay/client");
const { verify } = require("@hookrelay/client/receiver");
const hr = new Hookrelay({ baseUrl: process.env.HOOKRELAY_API_URL, apiKey: process.env.HOOKRELAY_API_KEY });
(async () => {
  const accepted = await hr.events.emit({ type: "message.created", data: { from: "cjs" } });
  const missing = await hr.webhooks.get("wh_missing").catch((e) => e);
  console.log(JSON.stringify({ id: accepted.id, missing: missing instanceof HookrelayError ? missing.status : null, verify: typeof verify }));
})();`,
    );
    const cjs = JSON.parse((await run("node", ["emit.cjs"], { cwd: consumer, env })).stdout) as { id: string; missing: number; verify: string };
    expect(cjs).toEqual({ id: expect.stringMatching(/^evt_/), missing: 404, verify: "function" });

    await writeFile(
      join(consumer, "emit.mjs"),
      `import { Hookrelay } from "@hookrelay/client";
const hr = new Hookrelay({ baseUrl: process.env.HOOKRELAY_API_URL, apiKey: process.env.HOOKRELAY_API_KEY });
const accepted = await hr.events.emit({ type: "message.created", data: { from: "esm" } });
console.log(JSON.stringify({ id: accepted.id }));`,
    );
    const esm = JSON.parse((await run("node", ["emit.mjs"], { cwd: consumer, env })).stdout) as { id: string };
    expect(esm.id).toMatch(/^evt_/);
    const stored = await app.container.sql.query<{ n: string }>("SELECT count(*) AS n FROM events WHERE id = ANY($1)", [[cjs.id, esm.id]]);
    expect(Number(stored.rows[0]!.n)).toBe(2);

    // A consumer's TypeScript sees the published declarations: a typo in a body is a type error.
    await writeFile(
      join(consumer, "check.ts"),
      `import { Hookrelay, type Webhook } from "@hookrelay/client";
import { verify } from "@hookrelay/client/receiver";
const hr = new Hookrelay({ baseUrl: "http://x", apiKey: "k" });
export async function f(): Promise<Webhook> { void verify; return hr.webhooks.create({ url: "https://x", verifyToken: "t", eventTypes: ["a"] }); }
`,
    );
    const tsc = (file: string) => run(process.execPath, [TSC, "--noEmit", "--strict", "--module", "node16", "--moduleResolution", "node16", "--skipLibCheck", file], { cwd: consumer });
    await expect(tsc("check.ts")).resolves.toBeDefined();
    await writeFile(join(consumer, "wrong.ts"), `import { Hookrelay } from "@hookrelay/client";\nvoid new Hookrelay({ baseUrl: "http://x", apiKey: "k" }).webhooks.create({ ulr: "https://x" });\n`);
    await expect(tsc("wrong.ts")).rejects.toMatchObject({ stdout: expect.stringContaining("ulr") });

    const help = await run(join(consumer, "node_modules", ".bin", "hookrelay"), ["--help"], { cwd: consumer, env });
    expect(help.stdout).toMatch(/listen/);
  }, 240_000);
});
