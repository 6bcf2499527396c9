import { collectDefaultMetrics, Registry } from "prom-client";
import { VERSION } from "../lib/version";
import { defineInstruments } from "./instruments";
import type { Metrics } from "./metrics";
import { createRecorder } from "./recorder";
import { registerScrapeGauges, type ScrapeOptions, type ScrapeSources } from "./scrape";

export type ProcessRole = "api" | "worker";

/** Metrics turned on: the recorder the code calls, and what a scrape answers. */
export interface MetricsRuntime {
  metrics: Metrics;
  /** Marks `hookrelay_build_info{role}`: a process running the API and a worker has both. */
  markRole(role: ProcessRole): void;
  /** The text a scrape answers, and its content type. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

/** Scrape-time readings are reused this long (many scrapers cost one reading) and waited for this long at most. */
const SCRAPE: ScrapeOptions = { ttlMs: 5_000, timeoutMs: 1_000 };

/**
 * A registry of the process's own (never prom-client's global one: two containers in one
 * test process must not share counters), with prom-client's default process metrics,
 * unprefixed, as every Node exporter names them.
 */
export function createMetricsRuntime(opts: { accountLabel: boolean; sources: ScrapeSources; scrape?: Partial<ScrapeOptions> }): MetricsRuntime {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const instruments = defineInstruments(registry, opts);
  registerScrapeGauges(registry, opts.sources, { ...SCRAPE, ...opts.scrape });
  return {
    metrics: createRecorder(instruments, opts),
    markRole: (role) => instruments.buildInfo.set({ version: VERSION, role }, 1),
    scrape: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}
