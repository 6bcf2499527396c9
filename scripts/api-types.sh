#!/usr/bin/env bash
# Regenerates the API's TypeScript types, packages/client/src/sdk/schema.ts (the SDK's, which
# the portal reads too), from the API's OpenAPI document.
#   scripts/api-types.sh [URL or file [output]]
#   (default: http://127.0.0.1:${PORT:-7780}/openapi.json → packages/client/src/sdk/schema.ts)
# openapi-typescript's programmatic API, as its CLI runs it: its header, then
# astToString(openapiTS(document)). A .ts, not a .d.ts: tsc does not copy a .d.ts into dist,
# and the package's published declarations import it. test/integration/api-types.test.ts runs
# this same script on the live document and compares.
set -euo pipefail
cd "$(dirname "$0")/.."
source_doc=${1:-http://127.0.0.1:${PORT:-7780}/openapi.json}
out=${2:-packages/client/src/sdk/schema.ts}

node --input-type=module - "$source_doc" "$out" <<'JS'
import { readFile, writeFile } from "node:fs/promises";
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";

const [source, out] = process.argv.slice(2);
const text = /^https?:\/\//.test(source)
  ? await fetch(source).then((res) => {
      if (!res.ok) throw new Error(`${source} answered ${res.status}`);
      return res.text();
    })
  : await readFile(source, "utf8");
await writeFile(out, COMMENT_HEADER + astToString(await openapiTS(JSON.parse(text))));
console.error(`wrote ${out} from ${source}`);
JS
