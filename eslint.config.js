// @ts-check
const js = require("@eslint/js");
const tseslint = require("typescript-eslint");

const typescriptRules = {
  "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
  "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
  "no-console": ["error", { allow: ["error", "warn"] }],
  eqeqeq: ["error", "always"],
};

/** What the portal's code may use from the browser (it runs nowhere else). */
const browserGlobals = Object.fromEntries(
  [
    "window", "document", "navigator", "location", "history", "sessionStorage", "localStorage", "fetch", "Request",
    "Response", "Headers", "URL", "URLSearchParams", "AbortController", "AbortSignal", "DOMException", "HTMLElement",
    "HTMLDialogElement", "HTMLDivElement", "Element", "Event", "setTimeout", "clearTimeout", "console", "Intl",
  ].map((name) => [name, "readonly"]),
);

module.exports = tseslint.config(
  { ignores: ["dist/", "packages/*/dist/", "node_modules/", "src/generated/", "coverage/", ".data/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: typescriptRules,
  },
  {
    // The customer portal (a browser app): same rules, browser globals, TSX.
    files: ["portal/**/*.{ts,tsx}"],
    ignores: ["portal/vite.config.ts"],
    languageOptions: { globals: browserGlobals },
    rules: typescriptRules,
  },
  {
    files: ["**/*.js"],
    languageOptions: { sourceType: "commonjs", globals: { require: "readonly", module: "writable", __dirname: "readonly", process: "readonly", console: "readonly" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // Only config.ts reads the environment; tests and CLI entry points are exempt.
    files: ["src/**/*.ts"],
    // Entry points hand the environment to config; nothing else reads it.
    ignores: ["src/config.ts", "src/cli/main.ts"],
    rules: { "no-restricted-properties": ["error", { object: "process", property: "env", message: "read configuration through src/config.ts" }] },
  },
);
