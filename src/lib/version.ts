import { readFileSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "./project-root";

// Read once at start-up, from wherever the code runs (src/ under tests, dist/ when built);
// sent as the User-Agent of every outbound request.
const pkg = JSON.parse(readFileSync(path.join(projectRoot(), "package.json"), "utf8")) as { version: string };

export const VERSION: string = pkg.version;
export const USER_AGENT = `hookrelay/${VERSION}`;
