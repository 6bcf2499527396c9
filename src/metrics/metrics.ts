/**
 * What the rest of the code tells the metrics (src/metrics/), in its own words: domain code
 * calls these and never touches prom-client. `createMetrics` (registry.ts) answers a real
 * recorder when the operator asked for metrics (HOOKRELAY_METRICS_PORT), and `noMetrics`
 * otherwise, so that "off" costs nothing and the bench can compare the two.
 *
 * Label sets are bounded by construction: routes are the declared path templates, outcomes
 * and sources are closed unions below; a per-account label exists only when the operator
 * turns it on (HOOKRELAY_METRICS_ACCOUNT_LABEL), and then only on the attempt and delivery
 * counters.
 */
export type AttemptOutcomeLabel = "success" | "http_4xx" | "http_5xx" | "http_other" | "timeout" | "network" | "refused";

export type DeliverySource = "ingest" | "redeliver" | "test" | "operational" | "recovery";

export type GiveUpReason = "retries_exhausted" | "not_retried" | "gone";

export interface Metrics {
  /** One API request, by route template ("/v1/webhooks/:id"; "unmatched" for 404s), method and status. */
  httpRequest(route: string, method: string, status: number, seconds: number): void;
  /** Events committed by the ingest path. */
  eventsAccepted(count: number): void;
  /** Deliveries committed, by what created them. */
  deliveriesCreated(count: number, source: DeliverySource, accountId?: string): void;
  /** One HTTP attempt to a receiver, as it ended, and how long it took. */
  attempt(outcome: AttemptOutcomeLabel, seconds: number, accountId?: string): void;
  /** A delivery succeeded: seconds from the event's acceptance to now. */
  delivered(endToEndSeconds: number): void;
  /** A delivery ended failed. */
  givenUp(reason: GiveUpReason): void;
  /** Pending deliveries the recovery sweep found missing from Redis and queued again. */
  recoveryRequeued(count: number, sweep: "recent" | "epoch"): void;
  /** A request refused by a rate limit, by bucket ("api", "ingest", "portal", …). */
  rateLimited(bucket: string): void;
  /** Operational events written, by type (webhook.disabled, …). */
  operationalEvent(type: string): void;
  /** One retention pass (src/retention/): what it did, and how far ahead of now the partitions reach. */
  retentionPass(pass: RetentionPassReading): void;
}

export interface RetentionPassReading {
  seconds: number;
  /** Time ranges dropped whole (their partition in each of the three tables). */
  dropped: number;
  /** Ranges past retention kept because a delivery in them is still pending. */
  keptForPending: number;
  /** Rows removed one by one, by table (accounts keeping less; the small tables). */
  trimmed: Record<string, number>;
  /** Seconds from now to the end of the last partition; negative: writes are making their own. */
  aheadSeconds: number;
}

/** Metrics off: every call is a no-op. */
export const noMetrics: Metrics = {
  httpRequest() {},
  eventsAccepted() {},
  deliveriesCreated() {},
  attempt() {},
  delivered() {},
  givenUp() {},
  recoveryRequeued() {},
  retentionPass() {},
  rateLimited() {},
  operationalEvent() {},
};
