import { loadConfig } from "../src/config";
import { buildContainer } from "../src/container";
import { onShutdown } from "../src/lib/shutdown";

/**
 * The delivery worker process. It owns its connections and its shutdown; the BullMQ consumer
 * that signs and POSTs deliveries is added by the delivery pipeline (issue #3). Until then no
 * job is ever enqueued, so nothing waits on this process.
 */
async function main(): Promise<void> {
  const container = buildContainer(loadConfig());
  const { logger } = container;
  await container.db.$queryRaw`SELECT 1`;
  await container.redis.ping();
  logger.info({ pid: process.pid }, "delivery worker ready");
  const keepAlive = setInterval(() => undefined, 60_000);
  onShutdown(logger, async () => {
    clearInterval(keepAlive);
    await container.close();
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
