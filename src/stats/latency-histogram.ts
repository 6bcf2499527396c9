/**
 * Response times as a fixed histogram: counts per bucket can be added hour to hour, which
 * exact percentiles cannot, so a week's p95 is read from 168 stored hours instead of every
 * attempt. Bucket i holds times in [BOUNDS[i-1], BOUNDS[i]) ms; the last is everything from
 * 10 s up. A percentile is interpolated inside its bucket, so it is off by at most the
 * bucket's width (under 50 % of its value; ±1 ms below 10 ms).
 */
export const LATENCY_BOUNDS_MS = [
  1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1_000, 1_500, 2_000, 3_000, 5_000, 7_000, 10_000,
] as const;
export const BUCKETS = LATENCY_BOUNDS_MS.length + 1;

/** Postgres's width_bucket(ms, bounds) numbers buckets the same way: 0 below the first bound. */
export function bucketOf(ms: number): number {
  let i = 0;
  while (i < LATENCY_BOUNDS_MS.length && ms >= LATENCY_BOUNDS_MS[i]!) i++;
  return i;
}

export const emptyHistogram = (): number[] => new Array<number>(BUCKETS).fill(0);

export function addHistograms(into: number[], more: readonly number[]): number[] {
  for (let i = 0; i < BUCKETS; i++) into[i] = (into[i] ?? 0) + (more[i] ?? 0);
  return into;
}

/** The q-quantile (0 < q ≤ 1) in ms, or null with no samples. */
export function percentile(h: readonly number[], q: number): number | null {
  const total = h.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    const n = h[i] ?? 0;
    if (n > 0 && seen + n >= rank) {
      const lo = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1]!;
      // The open top bucket has no width to interpolate in: report its floor.
      if (i === BUCKETS - 1) return lo;
      const hi = LATENCY_BOUNDS_MS[i]!;
      return Math.round(lo + ((rank - seen) / n) * (hi - lo));
    }
    seen += n;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1]!;
}
