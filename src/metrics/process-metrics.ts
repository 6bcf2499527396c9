import type { RequestHandler } from "express";
import type { Config } from "../config";
import type { Logger } from "../lib/logger";
import { noMetrics, type Metrics } from "./metrics";
import { createMetricsRuntime, type ProcessRole } from "./registry";
import type { ScrapeSources } from "./scrape";
import { answerScrape, startMetricsServer, type MetricsServer } from "./server";

/**
 * A process's metrics as the composition root sees them: the recorder to hand to services,
 * what to tell it as the process takes on roles and connections, and its listener. Off
 * (neither HOOKRELAY_METRICS_PORT nor HOOKRELAY_METRICS_ON_API), it is `noMetrics` and no-ops:
 * no registry, no default collectors, no listener.
 */
export interface ProcessMetrics {
  enabled: boolean;
  metrics: Metrics;
  markRole(role: ProcessRole): void;
  /** A Redis connection for hookrelay_redis_connected, by name; null: the process let go of it. */
  trackConnection(name: string, client: { status: string } | null): void;
  /** The running worker's slots (the object it counts them in), for hookrelay_worker_slots; null once it stops. */
  trackWorker(worker: { slots: { busy: number }; concurrency: number } | null): void;
  /** GET /metrics on the API's own port, when HOOKRELAY_METRICS_ON_API. */
  apiEndpoint: RequestHandler | undefined;
  /** Listens on HOOKRELAY_METRICS_PORT; null when it is unset. Stopped by stop(). */
  startServer(): Promise<MetricsServer | null>;
  stop(): Promise<void>;
}

export type ProcessSources = Omit<ScrapeSources, "connections" | "workerSlots">;

export function createProcessMetrics(config: Config["metrics"], sources: ProcessSources, logger: Logger, cacheMs?: number): ProcessMetrics {
  if (config.port === null && !config.onApi) return OFF;
  const connections = new Map<string, { status: string }>();
  let worker: { slots: { busy: number }; concurrency: number } | null = null;
  const runtime = createMetricsRuntime({
    accountLabel: config.accountLabel,
    sources: { ...sources, connections: () => connections, workerSlots: () => worker && { busy: worker.slots.busy, concurrency: worker.concurrency } },
    ...(cacheMs === undefined ? {} : { scrape: { ttlMs: cacheMs } }),
  });
  const servers: MetricsServer[] = [];
  return {
    enabled: true,
    metrics: runtime.metrics,
    markRole: runtime.markRole,
    trackConnection: (name, client) => {
      if (client) connections.set(name, client);
      else connections.delete(name);
    },
    trackWorker: (w) => void (worker = w),
    apiEndpoint: config.onApi ? (_req, res) => void answerScrape(runtime, res, logger) : undefined,
    async startServer() {
      if (config.port === null) return null;
      const server = await startMetricsServer(runtime, { host: config.host, port: config.port, logger });
      servers.push(server);
      return server;
    },
    async stop() {
      await Promise.allSettled(servers.splice(0).map((s) => s.stop()));
    },
  };
}

const OFF: ProcessMetrics = {
  enabled: false,
  metrics: noMetrics,
  markRole() {},
  trackConnection() {},
  trackWorker() {},
  apiEndpoint: undefined,
  startServer: async () => null,
  stop: async () => {},
};
