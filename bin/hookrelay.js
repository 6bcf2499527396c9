#!/usr/bin/env node
"use strict";
// Thin launcher: the CLI is TypeScript compiled to dist/ by `npm run build`.
const path = require("node:path");
const fs = require("node:fs");

const entry = path.join(__dirname, "..", "dist", "src", "cli", "main.js");
if (!fs.existsSync(entry)) {
  console.error("hookrelay: not built yet; run `npm run build` first (`npm run up` does it for you)");
  process.exit(1);
}
require(entry);
