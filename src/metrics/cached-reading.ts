/**
 * A reading of Postgres or Redis for the scrape: taken at most once per `ttlMs` however many
 * scrapers ask (each process is scraped by every Prometheus replica), never waited for longer
 * than `timeoutMs` (a hung server must not hang the scrape), and never more than one at a time
 * (a reading that hangs is not joined by another on every scrape, piling up connections).
 * Answers null when the reading failed or did not answer in time.
 */
export function cachedReading<T>(read: () => Promise<T>, opts: { ttlMs: number; timeoutMs: number; now?: () => number }): () => Promise<T | null> {
  const now = opts.now ?? (() => performance.now());
  let last: { at: number; value: T | null } | null = null;
  let running: Promise<T | null> | null = null;
  return async () => {
    if (last && now() - last.at < opts.ttlMs) return last.value;
    running ??= read()
      .catch(() => null)
      .then((value) => {
        last = { at: now(), value };
        running = null;
        return value;
      });
    const answer = await withinMs(running, opts.timeoutMs);
    if (answer === TIMED_OUT) {
      // Remembered as "no answer" for the next ttlMs; the reading still running may settle
      // later and then stands until its own ttlMs is up.
      last = { at: now(), value: null };
      return null;
    }
    return answer;
  };
}

const TIMED_OUT = Symbol("timed out");

async function withinMs<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
