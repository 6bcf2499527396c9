/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // Type-checking is `npm run typecheck`'s job; here ts-jest only transpiles, which is fast.
  transform: {
    "^.+\\.ts$": ["ts-jest", { diagnostics: false }],
    // See the file: an upstream exporter's dynamic import of node:http, made a require under jest.
    "/node_modules/@opentelemetry/otlp-exporter-base/build/src/.+\\.js$": "<rootDir>/test/support/dynamic-import-transform.js",
  },
  transformIgnorePatterns: ["/node_modules/(?!@opentelemetry/otlp-exporter-base/)"],
  globalSetup: "<rootDir>/test/support/global-setup.ts",
  globalTeardown: "<rootDir>/test/support/global-teardown.ts",
  testTimeout: 30_000,
  maxWorkers: 2,
};
