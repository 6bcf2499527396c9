import { loadConfig } from "../src/config";
import { buildContainer } from "../src/container";
import { onShutdown } from "../src/lib/shutdown";

/**
 * A delivery worker process: consumes the delivery queue and runs the recovery sweep. Run as
 * many as needed against one Redis; BullMQ hands each job to one worker at a time.
 */
async function main(): Promise<void> {
  const container = buildContainer(loadConfig());
  const { logger, config } = container;
  const stopWorker = await container.startWorker();
  logger.info({ pid: process.pid, concurrency: config.workerConcurrency }, "delivery worker ready");
  // Stopped by container.close(), like everything else the container started.
  const metricsServer = await container.startMetricsServer();
  if (metricsServer) logger.info({ url: metricsServer.url }, "metrics listening");
  onShutdown(
    logger,
    async () => {
      // In-flight attempts finish (each is bounded by the delivery timeout); jobs not started
      // stay in Redis for the other workers or the next start. Both steps bound their waits,
      // so this ends in about the delivery timeout plus 2 s even with Redis or Postgres away.
      await stopWorker();
      await container.close();
    },
    // The backstop, past the stop's own bounds; `npm run up` kills at 7.5 s.
    config.deliveryTimeoutMs + 3_000,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
