import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startTestApp, type TestApp } from "../support/app";

/**
 * The portal's typed client comes from the OpenAPI document (openapi-typescript); the committed
 * file must be exactly what the generator makes from the live document. The generator is
 * ESM-only, which jest's CommonJS runtime cannot load, so the test runs the same script
 * developers run (scripts/portal-api-types.sh: `openapiTS` + `astToString`) in a child process.
 */
const ROOT = join(__dirname, "..", "..");
const SCHEMA_FILE = join(ROOT, "portal", "src", "api", "schema.d.ts");
const REGENERATE =
  "npm run portal:api-types -- http://127.0.0.1:<port>/openapi.json (against a running API, e.g. `npm run up`), or from a saved document: npm run portal:api-types -- openapi.json";

describe("the portal's API types", () => {
  let app: TestApp;
  let dir: string;
  beforeAll(async () => {
    app = await startTestApp();
    dir = await mkdtemp(join(tmpdir(), "hookrelay-api-types-"));
  });
  afterAll(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("are exactly what openapi-typescript generates from the API's /openapi.json", async () => {
    const res = await app.call("GET", "/openapi.json");
    expect(res.status).toBe(200);
    const doc = join(dir, "openapi.json");
    const out = join(dir, "schema.d.ts");
    await writeFile(doc, JSON.stringify(res.body));
    await promisify(execFile)("bash", [join(ROOT, "scripts", "portal-api-types.sh"), doc, out], { cwd: ROOT });
    const [generated, committed] = await Promise.all([readFile(out, "utf8"), readFile(SCHEMA_FILE, "utf8")]);
    if (generated !== committed) {
      const a = committed.split("\n");
      const b = generated.split("\n");
      const line = b.findIndex((l, i) => l !== a[i]);
      throw new Error(
        `portal/src/api/schema.d.ts does not match the API's OpenAPI document (first difference at line ${line + 1}: ` +
          `committed ${JSON.stringify(a[line] ?? "<end>")}, generated ${JSON.stringify(b[line] ?? "<end>")}). Regenerate it: ${REGENERATE}`,
      );
    }
  }, 30_000);
});
