#!/usr/bin/env node
"use strict";
// The CLI is TypeScript compiled to dist/ (`npm run build` in this package; `npm pack` builds it).
require("../dist/cli/main.js");
