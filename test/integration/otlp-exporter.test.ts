import { SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import type { TracingConfig } from "../../src/config";
import { createOtlpExporter } from "../../src/tracing/otlp-exporter";
import { startOtlpCollector, type OtlpCollector } from "../support/otlp-collector";

/** One span through the OTLP/HTTP exporter as src/tracing/ configures it to a collector that answers as the test says; resolves to the export's failure, if any. */
async function exportOneSpan(collector: OtlpCollector, over: Partial<NonNullable<TracingConfig["exporter"]>> = {}) {
  const provider = new TracerProvider({
    spanProcessors: [
      new SimpleSpanProcessor({ exporter: createOtlpExporter({ url: `${collector.url}/v1/traces`, protocol: "http/json", headers: {}, timeoutMs: 2_000, compression: "none", ...over }) }),
    ],
  });
  provider.getTracer("test").startSpan("one").end();
  // The provider rejects with the failures of its processors, as a list.
  const failure = await provider.forceFlush().then(
    () => null,
    (errs: Error[]) => errs[0]!,
  );
  await provider.shutdown();
  return failure;
}

describe("the OTLP/HTTP exporter, as configured", () => {
  let collector: OtlpCollector | undefined;
  afterEach(async () => {
    await collector?.close();
  });

  it("sends again what a busy collector refused, after its Retry-After", async () => {
    collector = await startOtlpCollector({ answer: (n) => (n === 1 ? { status: 503, headers: { "retry-after": "0" } } : { status: 200 }) });
    expect(await exportOneSpan(collector)).toBeNull();
    expect(collector.requests.map((r) => r.answered)).toEqual([503, 200]);
    expect(collector.requests[1]!.body).toEqual(collector.requests[0]!.body);
    expect(collector.spans().map((s) => s.name)).toEqual(["one"]);
  });

  it("does not send again what the collector rejected as bad", async () => {
    collector = await startOtlpCollector({ answer: () => ({ status: 400 }) });
    expect((await exportOneSpan(collector))?.message).toMatch(/Bad Request/);
    expect(collector.requests.map((r) => r.answered)).toEqual([400]);
  });

  it("gives up within its timeout on a collector that stays unavailable", async () => {
    collector = await startOtlpCollector({ answer: () => ({ status: 503, headers: { "retry-after": "60" } }) });
    const started = Date.now();
    expect((await exportOneSpan(collector, { timeoutMs: 500 }))?.message).toMatch(/retryable/);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(collector.requests).toHaveLength(1);
  });

  it("compresses with gzip when asked", async () => {
    collector = await startOtlpCollector();
    expect(await exportOneSpan(collector, { compression: "gzip", headers: { authorization: "Bearer t" } })).toBeNull();
    expect(collector.requests[0]!.headers).toMatchObject({ "content-encoding": "gzip", authorization: "Bearer t", "content-type": "application/json" });
    expect(collector.requests[0]!.body.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
  });
});
