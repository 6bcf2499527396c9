/** Latency summaries and small numeric helpers shared by the receiver and the scenarios. */
export interface LatencySummary {
  n: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

/** Nearest-rank percentiles over an unsorted sample (sorted in place). */
export function summarize(samples: number[]): LatencySummary {
  if (samples.length === 0) return { n: 0, p50: null, p95: null, p99: null, max: null };
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.max(0, Math.ceil(q * samples.length) - 1))]!;
  return { n: samples.length, p50: round1(at(0.5)), p95: round1(at(0.95)), p99: round1(at(0.99)), max: round1(samples[samples.length - 1]!) };
}

export function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

export function perSec(count: number, ms: number): number | null {
  return ms > 0 ? Math.round((count * 1000) / ms) : null;
}

/** Epoch milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `promise`'s value, or null once `ms` have passed; the timer does not outlive the race. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` every `everyMs` until it returns true or `timeoutMs` passes; resolves to whether it did. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}
