import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/**
 * Every metric hookrelay records as events happen, by name: the names, labels and buckets
 * are a contract with the dashboard and alert rules (README, "Metrics"), so they live here,
 * together, and nowhere else. The gauges read at scrape time are in ./scrape.ts.
 */
export interface Instruments {
  httpRequests: Counter<"route" | "method" | "status">;
  httpDuration: Histogram<"route" | "method">;
  eventsAccepted: Counter;
  deliveriesCreated: Counter<"source" | "account">;
  attempts: Counter<"outcome" | "account">;
  attemptDuration: Histogram<"outcome">;
  deliveryLatency: Histogram;
  givenUp: Counter<"reason">;
  recoveryRequeued: Counter<"sweep">;
  rateLimited: Counter<"bucket">;
  operationalEvents: Counter<"type">;
  retentionDropped: Counter;
  retentionKeptForPending: Gauge;
  retentionTrimmed: Counter<"table">;
  retentionPassSeconds: Histogram;
  partitionsAheadSeconds: Gauge;
  buildInfo: Gauge<"version" | "role">;
}

/** Seconds. An API request is answered in milliseconds; anything past 10 s is a problem whatever its size. */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds. Up to the longest delivery timeout there can be (60 s). */
const ATTEMPT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/**
 * Seconds, from the event's acceptance to its success: milliseconds when the receiver is up,
 * then the retry schedule's steps (5 s, 30 s, 2 min, … 24 h), to three days.
 */
const LATENCY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 28800, 57600, 86400, 259200];

export function defineInstruments(registry: Registry, opts: { accountLabel: boolean }): Instruments {
  const registers = [registry];
  // The account label is declared only when the operator asked for it: a label that exists
  // always, empty, would still be one more dimension in every query.
  const withAccount = <L extends string>(labels: L[]): L[] => (opts.accountLabel ? [...labels, "account" as L] : labels);
  return {
    httpRequests: new Counter({
      name: "hookrelay_http_requests_total",
      help: 'API requests answered, by declared route template ("unmatched" for paths no route declares), method and status.',
      labelNames: ["route", "method", "status"],
      registers,
    }),
    httpDuration: new Histogram({
      name: "hookrelay_http_request_duration_seconds",
      help: "Time from a request's arrival to the last byte of its answer, by route template and method.",
      labelNames: ["route", "method"],
      buckets: HTTP_BUCKETS,
      registers,
    }),
    eventsAccepted: new Counter({
      name: "hookrelay_events_accepted_total",
      help: "Events committed by the ingest API (a replayed idempotency key is not counted again).",
      registers,
    }),
    deliveriesCreated: new Counter({
      name: "hookrelay_deliveries_created_total",
      help: "Deliveries committed (a new chain of attempts), by what created them: ingest, redeliver, test, operational.",
      labelNames: withAccount(["source"]) as ("source" | "account")[],
      registers,
    }),
    attempts: new Counter({
      name: "hookrelay_attempts_total",
      help: "HTTP attempts to receivers by the delivery workers, by outcome: success (2xx), http_4xx, http_5xx, http_other, timeout, network, refused (egress policy).",
      labelNames: withAccount(["outcome"]) as ("outcome" | "account")[],
      registers,
    }),
    attemptDuration: new Histogram({
      name: "hookrelay_attempt_duration_seconds",
      help: "Duration of one HTTP attempt to a receiver (connect to the end of the answer, or to the failure), by outcome.",
      labelNames: ["outcome"],
      buckets: ATTEMPT_BUCKETS,
      registers,
    }),
    deliveryLatency: new Histogram({
      name: "hookrelay_delivery_latency_seconds",
      help: "End to end: from the event's acceptance to the receiver's 2xx, retries included (a redelivery counts from the original event).",
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    givenUp: new Counter({
      name: "hookrelay_deliveries_given_up_total",
      help: "Deliveries that ended failed, by reason: retries_exhausted, not_retried (egress refusal), gone (410: webhook disabled).",
      labelNames: ["reason"],
      registers,
    }),
    retentionDropped: new Counter({
      name: "hookrelay_retention_ranges_dropped_total",
      help: "Time ranges past retention dropped whole: one partition each of events, deliveries and attempts.",
      registers,
    }),
    retentionKeptForPending: new Gauge({
      name: "hookrelay_retention_ranges_kept_for_pending",
      help: "Time ranges past retention the last pass kept, because a delivery in them is still being retried.",
      registers,
    }),
    retentionTrimmed: new Counter({
      name: "hookrelay_retention_rows_trimmed_total",
      help: "Rows removed one by one by the retention pass, by table: accounts keeping less than the global retention, and the small tables.",
      labelNames: ["table"],
      registers,
    }),
    retentionPassSeconds: new Histogram({
      name: "hookrelay_retention_pass_seconds",
      help: "How long a retention pass took (making partitions, dropping ranges, trimming).",
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
      registers,
    }),
    partitionsAheadSeconds: new Gauge({
      name: "hookrelay_partitions_ahead_seconds",
      help: "Seconds from now to the end of the last time partition, as of the last retention pass; below one partition width, partitions are not being made.",
      registers,
    }),
    recoveryRequeued: new Counter({
      name: "hookrelay_recovery_requeued_total",
      help: "Pending deliveries the recovery sweep found missing from Redis and queued again, by sweep: recent (the grace window) or epoch (Redis came back empty).",
      labelNames: ["sweep"],
      registers,
    }),
    rateLimited: new Counter({
      name: "hookrelay_rate_limited_total",
      help: "API requests refused with 429 by a rate limit, by limit: api, ingest, admin, portal.",
      labelNames: ["bucket"],
      registers,
    }),
    operationalEvents: new Counter({
      name: "hookrelay_operational_events_total",
      help: "Operational events written (webhook.disabled, …), by type.",
      labelNames: ["type"],
      registers,
    }),
    buildInfo: new Gauge({
      name: "hookrelay_build_info",
      help: "1, labelled with the running version and each role this process plays (api, worker).",
      labelNames: ["version", "role"],
      registers,
    }),
  };
}
