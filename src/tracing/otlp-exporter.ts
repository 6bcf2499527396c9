import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import { OTLPTraceExporter as OtlpHttpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OtlpHttpProtobufExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import type { SpanExporter } from "@opentelemetry/sdk-trace";
import type { TracingConfig } from "../config";

/**
 * OTLP over HTTP through OpenTelemetry's own exporters, in the encoding asked for (protobuf,
 * the OTLP default, or JSON), with everything set explicitly from src/config.ts: the exporters
 * would otherwise fill in what is missing from OTEL_* themselves. Their retries (429, 502, 503,
 * 504, Retry-After, within the export timeout) are the library's.
 */
export function createOtlpExporter(config: NonNullable<TracingConfig["exporter"]>): SpanExporter {
  const options = { url: config.url, headers: config.headers, timeoutMillis: config.timeoutMs, compression: config.compression === "gzip" ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE };
  return config.protocol === "http/json" ? new OtlpHttpJsonExporter(options) : new OtlpHttpProtobufExporter(options);
}
