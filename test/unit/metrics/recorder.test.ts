import { Registry } from "prom-client";
import { defineInstruments } from "../../../src/metrics/instruments";
import { createRecorder } from "../../../src/metrics/recorder";
import { parsePrometheusText } from "../../support/prometheus";

function recorder(accountLabel = false) {
  const registry = new Registry();
  const metrics = createRecorder(defineInstruments(registry, { accountLabel }), { accountLabel });
  return { metrics, read: async () => parsePrometheusText(await registry.metrics()) };
}

describe("the metrics recorder", () => {
  it("exports every closed label value at 0 before anything happened", async () => {
    const s = await recorder().read();
    for (const outcome of ["success", "http_4xx", "http_5xx", "http_other", "timeout", "network", "refused"]) {
      expect(s.value("hookrelay_attempts_total", { outcome })).toBe(0);
      expect(s.value("hookrelay_attempt_duration_seconds_count", { outcome })).toBe(0);
    }
    for (const reason of ["retries_exhausted", "not_retried", "gone"]) expect(s.value("hookrelay_deliveries_given_up_total", { reason })).toBe(0);
    for (const source of ["ingest", "redeliver", "test", "operational", "recovery"]) expect(s.value("hookrelay_deliveries_created_total", { source })).toBe(0);
    for (const sweep of ["recent", "epoch"]) expect(s.value("hookrelay_recovery_requeued_total", { sweep })).toBe(0);
    for (const bucket of ["api", "ingest", "admin", "portal"]) expect(s.value("hookrelay_rate_limited_total", { bucket })).toBe(0);
    for (const type of ["webhook.disabled", "webhook.failing", "webhook.recovered", "delivery.exhausted"]) expect(s.value("hookrelay_operational_events_total", { type })).toBe(0);
    expect(s.value("hookrelay_events_accepted_total")).toBe(0);
    expect(s.value("hookrelay_delivery_latency_seconds_count")).toBe(0);
  });

  it("counts and observes what it is told, into the right buckets", async () => {
    const { metrics, read } = recorder();
    metrics.attempt("success", 0.02, "acc_1");
    metrics.attempt("success", 0.2, "acc_2");
    metrics.attempt("timeout", 5);
    metrics.delivered(42);
    metrics.givenUp("gone");
    metrics.eventsAccepted(3);
    metrics.eventsAccepted(0);
    metrics.deliveriesCreated(6, "ingest", "acc_1");
    metrics.recoveryRequeued(4, "epoch");
    metrics.rateLimited("ingest");
    metrics.operationalEvent("webhook.disabled");
    metrics.httpRequest("/v1/events", "POST", 202, 0.003);
    metrics.httpRequest("/v1/events", "POST", 202, 0.004);
    metrics.httpRequest("/v1/events", "POST", 429, 0.001);
    const s = await read();
    expect(s.value("hookrelay_attempts_total", { outcome: "success" })).toBe(2);
    expect(s.value("hookrelay_attempts_total", { outcome: "timeout" })).toBe(1);
    expect(s.value("hookrelay_attempt_duration_seconds_bucket", { outcome: "success", le: "0.025" })).toBe(1);
    expect(s.value("hookrelay_attempt_duration_seconds_bucket", { outcome: "success", le: "0.25" })).toBe(2);
    expect(s.value("hookrelay_attempt_duration_seconds_sum", { outcome: "success" })).toBeCloseTo(0.22);
    expect(s.value("hookrelay_delivery_latency_seconds_bucket", { le: "30" })).toBe(0);
    expect(s.value("hookrelay_delivery_latency_seconds_bucket", { le: "60" })).toBe(1);
    expect(s.value("hookrelay_deliveries_given_up_total", { reason: "gone" })).toBe(1);
    expect(s.value("hookrelay_events_accepted_total")).toBe(3);
    expect(s.value("hookrelay_deliveries_created_total", { source: "ingest" })).toBe(6);
    expect(s.value("hookrelay_recovery_requeued_total", { sweep: "epoch" })).toBe(4);
    expect(s.value("hookrelay_rate_limited_total", { bucket: "ingest" })).toBe(1);
    expect(s.value("hookrelay_operational_events_total", { type: "webhook.disabled" })).toBe(1);
    expect(s.value("hookrelay_http_requests_total", { route: "/v1/events", method: "POST", status: "202" })).toBe(2);
    expect(s.value("hookrelay_http_requests_total", { route: "/v1/events", method: "POST", status: "429" })).toBe(1);
    expect(s.value("hookrelay_http_request_duration_seconds_count", { route: "/v1/events", method: "POST" })).toBe(3);
    // No account label unless turned on.
    expect(s.text).not.toContain("acc_1");
  });

  it("labels attempts and created deliveries by account only when turned on", async () => {
    const { metrics, read } = recorder(true);
    metrics.attempt("success", 0.01, "acc_1");
    metrics.attempt("success", 0.01, "acc_2");
    metrics.attempt("http_5xx", 0.01, "acc_2");
    metrics.deliveriesCreated(2, "ingest", "acc_1");
    const s = await read();
    expect(s.value("hookrelay_attempts_total", { outcome: "success", account: "acc_1" })).toBe(1);
    expect(s.value("hookrelay_attempts_total", { outcome: "http_5xx", account: "acc_2" })).toBe(1);
    expect(s.value("hookrelay_deliveries_created_total", { source: "ingest", account: "acc_1" })).toBe(2);
    // The duration histogram stays per outcome only.
    expect(s.value("hookrelay_attempt_duration_seconds_count", { outcome: "success" })).toBe(2);
  });

  it("folds open label values past 64 into other, so no input grows the series without bound", async () => {
    const { metrics, read } = recorder();
    for (let i = 0; i < 1_000; i++) metrics.operationalEvent(`type.${i}`);
    const s = await read();
    // The four known types, 60 more, then other.
    expect(s.series("hookrelay_operational_events_total")).toHaveLength(64 + 1);
    expect(s.value("hookrelay_operational_events_total", { type: "other" })).toBe(1_000 - 60);
  });
});
