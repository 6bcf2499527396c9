/**
 * A stand-in for Prometheus: GET every target's /metrics every `everyMs` (all targets at once,
 * as Prometheus staggers nothing within a job of a few targets), over kept-alive connections,
 * the bodies read and kept only until the next scrape. It runs in the bench's process: its
 * cost is the scraper's; what it costs the processes scraped is theirs.
 */
export interface ScrapeStats {
  scrapes: number;
  failures: number;
  /** The last failure's message, if any. */
  lastError: string | null;
  /** Bytes of the last successful scrape of each target. */
  lastBytes: number[];
}

export interface Scraper {
  /** Stops the timer and waits for a scrape in flight. */
  stop(): Promise<void>;
  /** Scrapes every target once more, now, and answers the bodies (null for one that failed). */
  scrapeNow(): Promise<(string | null)[]>;
  stats(): ScrapeStats;
}

export function startScraper(targets: string[], everyMs: number): Scraper {
  const stats: ScrapeStats = { scrapes: 0, failures: 0, lastError: null, lastBytes: targets.map(() => 0) };
  const scrapeOne = async (url: string, i: number): Promise<string | null> => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      const body = await res.text();
      if (!res.ok) throw new Error(`${url} answered ${res.status}`);
      stats.scrapes++;
      stats.lastBytes[i] = Buffer.byteLength(body);
      return body;
    } catch (err) {
      stats.failures++;
      stats.lastError = err instanceof Error ? `${url}: ${err.message}` : String(err);
      return null;
    }
  };
  const scrapeAll = () => Promise.all(targets.map(scrapeOne));
  // The first scrape one interval in, as Prometheus's first after a target appears: a process
  // just started is not listening yet.
  let inFlight: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    inFlight = scrapeAll();
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
    scrapeNow: scrapeAll,
    stats: () => ({ ...stats, lastBytes: [...stats.lastBytes] }),
  };
}

/** The sum of every series of `name` in a Prometheus text exposition whose labels include `labels` (e.g. `outcome="success"`). */
export function sumSeries(text: string, name: string, labels = ""): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name) || (line[name.length] !== "{" && line[name.length] !== " ")) continue;
    const space = line.lastIndexOf(" ");
    if (labels && !line.slice(name.length, space).includes(labels)) continue;
    sum += Number(line.slice(space + 1));
  }
  return sum;
}
