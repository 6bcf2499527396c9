import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  diag,
  DiagLogLevel,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type DiagLogger,
  type Span,
  type Tracer,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
} from "@opentelemetry/sdk-trace";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import type { RequestHandler } from "express";
import type { TracingConfig } from "../config";
import type { Logger } from "../lib/logger";
import { VERSION } from "../lib/version";
import { ATTEMPT_SPAN, attemptEndAttributes, attemptStartAttributes } from "./attempt-span";
import { requestSpans } from "./http-server";
import { createOtlpExporter } from "./otlp-exporter";
import type { SamplerSpec } from "./otel-env";
import { NO_TRACING, type EventsTrace, type Tracing } from "./tracing";

/** Which side made a span: its service name (hookrelay-api, hookrelay-worker) unless OTEL_SERVICE_NAME names both. */
type Role = "api" | "worker";

/**
 * Tracing from the configuration: the no-op version unless an OTLP endpoint is set. Each side
 * gets a tracer provider of its own (made at its first span), so that one process running both,
 * as the tests do, still reports request spans as the API and attempt spans as the worker.
 * Nothing is registered globally (no global tracer provider, no context manager): parents are
 * passed explicitly, so several containers in one process (tests) never share a provider, and
 * no auto-instrumentation can attach itself to pg, ioredis or undici on the hot path. The one
 * global touched is OpenTelemetry's diagnostic logger, which the exporter reports its failures
 * to: warnings and errors go to our log.
 */
export function createTracing(config: TracingConfig, logger: Logger): Tracing {
  const exporterConfig = config.exporter;
  if (!exporterConfig) return NO_TRACING;
  diag.setLogger(diagnostics(logger), { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });

  const providers = new Map<Role, { provider: TracerProvider; tracer: Tracer }>();
  const tracerFor = (role: Role): Tracer => {
    let made = providers.get(role);
    if (!made) {
      const provider = new TracerProvider({
        resource: defaultResource().merge(
          resourceFromAttributes({
            [ATTR_SERVICE_VERSION]: VERSION,
            ...config.resourceAttributes,
            [ATTR_SERVICE_NAME]: config.serviceName ?? config.resourceAttributes[ATTR_SERVICE_NAME] ?? `hookrelay-${role}`,
          }),
        ),
        sampler: samplerFor(config.sampler),
        spanProcessors: [
          new BatchSpanProcessor({
            exporter: createOtlpExporter(exporterConfig),
            scheduledDelayMillis: config.batch.scheduledDelayMs,
            exportTimeoutMillis: config.batch.exportTimeoutMs,
            maxQueueSize: config.batch.maxQueueSize,
            maxExportBatchSize: config.batch.maxExportBatchSize,
          }),
        ],
      });
      made = { provider, tracer: provider.getTracer("hookrelay", VERSION) };
      providers.set(role, made);
    }
    return made.tracer;
  };
  const propagator = new W3CTraceContextPropagator();
  const traceparentOf = (span: Span): string | null => {
    const carrier: Record<string, string> = {};
    propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
    return carrier.traceparent ?? null;
  };
  let middleware: RequestHandler | undefined;

  return {
    enabled: true,
    get httpMiddleware() {
      return (middleware ??= requestSpans(tracerFor("api"), propagator));
    },
    events(parent, accountId, events): EventsTrace {
      const tracer = tracerFor("api");
      const under = parent ?? ROOT_CONTEXT;
      const spans = events.map((e) =>
        tracer.startSpan("hookrelay.event", { attributes: { "hookrelay.event.id": e.id, "hookrelay.event.type": e.type, "hookrelay.account.id": accountId } }, under),
      );
      return {
        traceContexts: spans.map(traceparentOf),
        async enqueue(deliveries, work) {
          // One step for the whole request: under the request's span (the first event's without one).
          const span = tracer.startSpan("hookrelay.enqueue", { attributes: { "hookrelay.deliveries": deliveries } }, parent ?? trace.setSpan(ROOT_CONTEXT, spans[0]!));
          try {
            return await work();
          } catch (err) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
            throw err;
          } finally {
            span.end();
          }
        },
        end(outcome) {
          events.forEach((e, i) => {
            const span = spans[i]!;
            if ("error" in outcome) {
              const err = outcome.error;
              span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
            } else {
              span.setAttribute("hookrelay.event.deliveries", outcome.deliveries.get(e.id) ?? 0);
            }
            span.end();
          });
        },
      };
    },
    attempt(traceContext, target) {
      const parent: Context = traceContext ? propagator.extract(ROOT_CONTEXT, { traceparent: traceContext }, defaultTextMapGetter) : ROOT_CONTEXT;
      const span = tracerFor("worker").startSpan(ATTEMPT_SPAN, { kind: SpanKind.CLIENT, attributes: attemptStartAttributes(target) }, parent);
      let headers: Record<string, string> | undefined;
      if (config.propagateToReceivers) {
        headers = {};
        propagator.inject(trace.setSpan(parent, span), headers, defaultTextMapSetter);
      }
      return {
        headers,
        end(sent) {
          const { attributes, error } = attemptEndAttributes(sent);
          span.setAttributes(attributes);
          if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
          span.end();
        },
      };
    },
    async flush() {
      await Promise.all([...providers.values()].map((p) => p.provider.forceFlush()));
    },
    async shutdown() {
      await Promise.all([...providers.values()].map((p) => p.provider.shutdown()));
    },
  };
}

/** OTEL_TRACES_SAMPLER as the SDK's samplers; the default, parentbased_always_on, follows an incoming trace's decision. */
function samplerFor(s: SamplerSpec): Sampler {
  switch (s.name) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioBasedSampler(s.ratio);
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(s.ratio) });
  }
}

/** OpenTelemetry's own complaints (an export that failed, a collector that is down), as warnings in our log. */
function diagnostics(logger: Logger): DiagLogger {
  const warn = (message: string, ...args: unknown[]) =>
    logger.warn({ detail: args.map((a) => (a instanceof Error ? a.message : typeof a === "string" ? a : JSON.stringify(a))) }, `opentelemetry: ${message}`);
  const ignore = () => undefined;
  return { error: warn, warn, info: ignore, debug: ignore, verbose: ignore };
}
