import type { Context } from "@opentelemetry/api";
import type { RequestHandler } from "express";
import type { AttemptRecord } from "../delivery/attempt";

/**
 * What the rest of hookrelay asks of tracing: a few named spans at the points of a delivery's
 * life, never the OpenTelemetry API itself. Off, every method answers null (or nothing) at
 * once: no span objects, no context work, no middleware, so that the hot path pays a function
 * call for it. On, see src/tracing/setup.ts.
 */
export interface Tracing {
  readonly enabled: boolean;
  /** The server span of each API request (src/tracing/http-server.ts); null when off, and nothing is installed. */
  readonly httpMiddleware: RequestHandler | null;
  /** Spans for events accepted under `parent` (an API request's span), one per event, in the order given. */
  events(parent: SpanParent | undefined, accountId: string, events: readonly { id: string; type: string }[]): EventsTrace | null;
  /**
   * The span of one attempt, the child of the event's span as stored with it (`traceContext`:
   * its W3C traceparent; null for an event accepted while tracing was off: a trace of its own).
   */
  attempt(traceContext: string | null, target: AttemptSpanTarget): AttemptTrace | null;
  /** Sends what has ended so far (tests). */
  flush(): Promise<void>;
  /** Sends what has ended and stops; bounded by the caller. */
  shutdown(): Promise<void>;
}

/** A parent span as the API passes it along (an OpenTelemetry context holding it). */
export type SpanParent = Context;

export interface EventsTrace {
  /** Each event's traceparent, in the order given: stored in its row (events.trace_context). */
  traceContexts: (string | null)[];
  /** Runs the enqueue step under a span "hookrelay.enqueue". */
  enqueue<T>(deliveries: number, work: () => Promise<T>): Promise<T>;
  /** Ends the events' spans, with how many deliveries each got (or with the failure that lost them). */
  end(outcome: { deliveries: ReadonlyMap<string, number> } | { error: unknown }): void;
}

export interface AttemptSpanTarget {
  delivery: { id: string; accountId: string; webhookId: string; isTest: boolean };
  event: { id: string; type: string };
  url: string;
  attemptNumber: number;
}

export interface AttemptTrace {
  /** `traceparent` (and `tracestate`) for the receiver; undefined unless propagation is on. */
  headers: Record<string, string> | undefined;
  /** Ends the span with the receiver's answer (or the failure instead of one). */
  end(sent: Pick<AttemptRecord, "outcome" | "success">): void;
}

/** Tracing off: the no-op version. */
export const NO_TRACING: Tracing = {
  enabled: false,
  httpMiddleware: null,
  events: () => null,
  attempt: () => null,
  flush: async () => undefined,
  shutdown: async () => undefined,
};
