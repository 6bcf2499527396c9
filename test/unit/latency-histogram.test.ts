import { addHistograms, bucketOf, BUCKETS, emptyHistogram, LATENCY_BOUNDS_MS, percentile } from "../../src/stats/latency-histogram";

const histogramOf = (samples: number[]) => {
  const h = emptyHistogram();
  for (const ms of samples) h[bucketOf(ms)]!++;
  return h;
};

describe("response-time histogram", () => {
  it("puts a time in the bucket whose lower bound it reaches, as Postgres's width_bucket does", () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(1)).toBe(1);
    expect(bucketOf(4)).toBe(3);
    expect(bucketOf(5)).toBe(4);
    expect(bucketOf(9_999)).toBe(BUCKETS - 2);
    expect(bucketOf(10_000)).toBe(BUCKETS - 1);
    expect(bucketOf(3_600_000)).toBe(BUCKETS - 1);
  });

  it("has no percentile without samples", () => {
    expect(percentile(emptyHistogram(), 0.5)).toBeNull();
  });

  it("finds each percentile within its bucket's width of the exact one", () => {
    const samples = Array.from({ length: 1_000 }, (_, i) => Math.round(3 + (i * i) / 400));
    const h = histogramOf(samples);
    const sorted = [...samples].sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.95, 0.99]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1]!;
      const b = bucketOf(exact);
      const width = (LATENCY_BOUNDS_MS[b] ?? Infinity) - (b === 0 ? 0 : LATENCY_BOUNDS_MS[b - 1]!);
      expect(Math.abs(percentile(h, q)! - exact)).toBeLessThanOrEqual(width);
    }
  });

  it("adds hours together into the same histogram as all their samples at once", () => {
    const a = [3, 40, 250, 12_000];
    const b = [1, 1, 700, 5_000];
    expect(addHistograms(histogramOf(a), histogramOf(b))).toEqual(histogramOf([...a, ...b]));
    expect(percentile(addHistograms(histogramOf(a), histogramOf(b)), 1)).toBe(10_000);
  });
});
