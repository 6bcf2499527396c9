/**
 * Jest's CommonJS sandbox refuses `import()` without --experimental-vm-modules, and
 * @opentelemetry/otlp-exporter-base loads node:http/https that way on its first export
 * (open-telemetry/opentelemetry-js#6035), so no test could see a span leave an exporter.
 * This rewrites those two builtin imports in that package's CommonJS build into requires;
 * outside jest the package runs as published.
 */
module.exports = {
  process(source) {
    return { code: source.replace(/\bimport\((['"])(https?)\1\)/g, "Promise.resolve(require('$2'))") };
  },
};
