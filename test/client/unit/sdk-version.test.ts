import { readFileSync } from "node:fs";
import { join } from "node:path";
import { VERSION } from "../../../packages/client/src/sdk/version";

test("the SDK's version (sent in its User-Agent) is the package's", () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, "..", "..", "..", "packages", "client", "package.json"), "utf8")) as { version: string };
  expect(VERSION).toBe(pkg.version);
});
