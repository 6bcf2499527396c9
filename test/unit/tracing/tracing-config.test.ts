import { randomBytes } from "node:crypto";
import { ConfigError, loadConfig } from "../../../src/config";
import { createTracing } from "../../../src/tracing/setup";
import { NO_TRACING } from "../../../src/tracing/tracing";
import { createLogger } from "../../../src/lib/logger";

const required = {
  DATABASE_URL: "postgresql://hookrelay@localhost:5432/hookrelay",
  REDIS_URL: "redis://localhost:6379",
  HOOKRELAY_ADMIN_KEY: "admin-key-of-24-characters",
  HOOKRELAY_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString("base64")}`,
};
const tracing = (env: Record<string, string>) => loadConfig({ ...required, ...env }).tracing;
const refusal = (env: Record<string, string>) => {
  try {
    loadConfig({ ...required, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error("expected a ConfigError");
};

describe("tracing configuration", () => {
  it("is off unless an endpoint is set, with the specification's defaults otherwise", () => {
    // The other defaults: test/unit/config.test.ts.
    expect(tracing({}).exporter).toBeNull();
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }).exporter).toEqual({
      url: "http://collector:4318/v1/traces",
      protocol: "http/protobuf",
      headers: {},
      timeoutMs: 10000,
      compression: "none",
    });
  });

  it("prefers each signal-specific variable to the general one", () => {
    const t = tracing({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://general:4318",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://traces.example.com/in",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
      OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20a,x-tenant=t1",
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: "authorization=Bearer%20b",
      OTEL_EXPORTER_OTLP_TIMEOUT: "2000",
      OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: "3000",
      OTEL_EXPORTER_OTLP_COMPRESSION: "gzip",
      OTEL_SERVICE_NAME: "relay-eu",
      OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=prod",
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0.1",
      HOOKRELAY_TRACE_PROPAGATE_TO_RECEIVERS: "true",
    });
    expect(t).toMatchObject({
      exporter: { url: "https://traces.example.com/in", protocol: "http/json", headers: { authorization: "Bearer b", "x-tenant": "t1" }, timeoutMs: 3000, compression: "gzip" },
      serviceName: "relay-eu",
      resourceAttributes: { "deployment.environment": "prod" },
      sampler: { name: "parentbased_traceidratio", ratio: 0.1 },
      propagateToReceivers: true,
    });
  });

  it("stays off with OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none, whatever the endpoint", () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" };
    expect(tracing({ ...endpoint, OTEL_SDK_DISABLED: "TRUE" }).exporter).toBeNull();
    expect(tracing({ ...endpoint, OTEL_TRACES_EXPORTER: "none" }).exporter).toBeNull();
    expect(tracing({ ...endpoint, OTEL_SDK_DISABLED: "false" }).exporter).not.toBeNull();
  });

  it("refuses at start-up what it cannot honour, naming the variable", () => {
    expect(refusal({ OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toMatch(/OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not built in/);
    expect(refusal({ OTEL_TRACES_EXPORTER: "zipkin" })).toMatch(/OTEL_TRACES_EXPORTER: .*OTLP only/);
    expect(refusal({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" })).toMatch(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    expect(refusal({ OTEL_EXPORTER_OTLP_HEADERS: "authorization" })).toMatch(/OTEL_EXPORTER_OTLP_HEADERS: "authorization" is not key=value/);
    expect(refusal({ OTEL_TRACES_SAMPLER: "jaeger_remote" })).toMatch(/OTEL_TRACES_SAMPLER/);
    expect(refusal({ OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "2" })).toMatch(/OTEL_TRACES_SAMPLER_ARG: "2" is not a ratio/);
  });

  it("off, is the no-op tracing: no spans, no middleware", () => {
    const t = createTracing(tracing({}), createLogger("silent"));
    expect(t).toBe(NO_TRACING);
    expect(t.httpMiddleware).toBeNull();
    expect(t.events(undefined, "acc_1", [{ id: "evt_1", type: "t" }])).toBeNull();
    expect(t.attempt("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", { delivery: { id: "d", accountId: "a", webhookId: "w", isTest: false }, event: { id: "e", type: "t" }, url: "http://x", attemptNumber: 1 })).toBeNull();
  });
});
