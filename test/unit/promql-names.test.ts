import { exportedSeriesNames, metricNamesIn } from "../support/promql-names";

describe("metricNamesIn", () => {
  it("finds the metric inside functions, aggregations and histogram quantiles", () => {
    expect(metricNamesIn('histogram_quantile(0.99, sum by (le, route) (rate(hookrelay_http_request_duration_seconds_bucket{instance=~"$instance"}[5m])))')).toEqual([
      "hookrelay_http_request_duration_seconds_bucket",
    ]);
    expect(metricNamesIn("sum(rate(a_total[$__rate_interval])) by (outcome) / ignoring(outcome) group_left sum(rate(b_total[5m]))")).toEqual(["a_total", "b_total"]);
  });

  it("ignores label names, label values, strings, durations, numbers and keywords", () => {
    const expr = `(count(x_info{role="worker", version=~"1.*"}) or vector(0)) < on() group_left(role) y:recorded offset 5m
      and label_replace(z_up, "dst", "$1", "instance", "(.*):.*") > bool 1e3`;
    expect(metricNamesIn(expr)).toEqual(["x_info", "y:recorded", "z_up"]);
  });

  it("keeps Prometheus's own series such as up", () => {
    expect(metricNamesIn("up == 0 and on (job, instance) max_over_time(hookrelay_build_info[1d])")).toEqual(["hookrelay_build_info", "up"]);
  });
});

describe("exportedSeriesNames", () => {
  const page = [
    "# HELP c_total A counter.",
    "# TYPE c_total counter",
    "# HELP h_seconds A histogram with no sample yet.",
    "# TYPE h_seconds histogram",
    "# TYPE g gauge",
    'g{state="idle"} 3',
    "untyped_sample 1",
    "",
  ].join("\n");

  it("offers a declared counter before its first sample, a histogram only by its suffixed series", () => {
    const names = exportedSeriesNames(page);
    expect([...names].sort()).toEqual(["c_total", "g", "h_seconds_bucket", "h_seconds_count", "h_seconds_sum", "untyped_sample"]);
    expect(names.has("h_seconds")).toBe(false);
  });
});
