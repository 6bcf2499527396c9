import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { startTestApp, type TestApp } from "../support/app";

/**
 * The SDK's and the portal's typed clients read types generated from the OpenAPI document
 * (openapi-typescript, packages/client/src/sdk/schema.ts); the committed file must be exactly
 * what the generator makes from the live document, or the portal would call, and the published
 * client describe, another API. The generator is ESM-only, which jest's CommonJS runtime cannot
 * load, so the test runs the script developers run (scripts/api-types.sh) in a child process.
 */
const ROOT = join(__dirname, "..", "..");
const GENERATED = [{ file: "packages/client/src/sdk/schema.ts", script: "api-types" }];

describe("the API types generated from /openapi.json", () => {
  let app: TestApp;
  let dir: string;
  let doc: string;
  beforeAll(async () => {
    app = await startTestApp();
    dir = await mkdtemp(join(tmpdir(), "hookrelay-api-types-"));
    const res = await app.call("GET", "/openapi.json");
    expect(res.status).toBe(200);
    doc = join(dir, "openapi.json");
    await writeFile(doc, JSON.stringify(res.body));
  });
  afterAll(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  test.each(GENERATED)("$file is exactly what openapi-typescript generates from it", async ({ file, script }) => {
    const out = join(dir, `${script}-${basename(file)}`);
    await promisify(execFile)("bash", [join(ROOT, "scripts", `${script}.sh`), doc, out], { cwd: ROOT });
    // `UPDATE_API_TYPES=1 npx jest test/integration/api-types.test.ts` regenerates instead of comparing.
    if (process.env.UPDATE_API_TYPES === "1") await copyFile(out, join(ROOT, file));
    const [generated, committed] = await Promise.all([readFile(out, "utf8"), readFile(join(ROOT, file), "utf8")]);
    if (generated !== committed) {
      const a = committed.split("\n");
      const b = generated.split("\n");
      const line = b.findIndex((l, i) => l !== a[i]);
      throw new Error(
        `${file} does not match the API's OpenAPI document (first difference at line ${line + 1}: ` +
          `committed ${JSON.stringify(a[line] ?? "<end>")}, generated ${JSON.stringify(b[line] ?? "<end>")}). Regenerate it: ` +
          `UPDATE_API_TYPES=1 npx jest test/integration/api-types.test.ts, or npm run ${script} -- http://127.0.0.1:<port>/openapi.json (against a running API, e.g. \`npm run up\`)`,
      );
    }
  }, 30_000);
});
