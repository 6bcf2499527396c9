#!/usr/bin/env node
"use strict";
// Thin launcher. Two CLIs answer to `hookrelay` in this checkout, both TypeScript compiled by
// `npm run build`: the operator commands (src/cli: they talk to Postgres, DATABASE_URL) and
// every other command, the API's, from @hookrelay/client (packages/client/src/cli).
const path = require("node:path");
const fs = require("node:fs");

const ROOT = path.join(__dirname, "..");
const OPERATOR_ENTRY = path.join(ROOT, "dist", "src", "cli", "main.js");
const OPERATOR_USAGE = path.join(ROOT, "dist", "src", "cli", "usage.js");
const CLIENT_ENTRY = path.join(ROOT, "packages", "client", "dist", "cli", "process.js");
// src/cli/usage.ts is the source of truth; this copy routes them before the build exists (a
// test keeps the two equal), so `hookrelay migrate` can say it is not built.
const OPERATOR_COMMANDS = ["migrate", "accounts", "keys", "demo", "secrets"];

function notBuilt(what) {
  console.error(`hookrelay: ${what} is not built yet; run \`npm run build\` first (\`npm run up\` does it for you)`);
  process.exit(1);
}

const args = process.argv.slice(2);
if (OPERATOR_COMMANDS.includes(args[0])) {
  if (!fs.existsSync(OPERATOR_ENTRY)) notBuilt("the operator CLI (dist/src/cli)");
  require(OPERATOR_ENTRY);
} else {
  if (!fs.existsSync(CLIENT_ENTRY)) notBuilt("the API CLI (packages/client/dist)");
  const usage = fs.existsSync(OPERATOR_USAGE) ? require(OPERATOR_USAGE).USAGE.replace(/^usage:\n/, "") : "  (not built yet: run `npm run build`)";
  const extraHelp = `Operator commands (this checkout only: they use the database directly and need DATABASE_URL, no API key):\n${usage}`;
  require(CLIENT_ENTRY).runProcess(args, { extraHelp });
}
