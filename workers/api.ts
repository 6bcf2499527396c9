import type { AddressInfo } from "node:net";
import { loadConfig } from "../src/config";
import { buildContainer } from "../src/container";
import { listen } from "../src/http/server";
import { onShutdown } from "../src/lib/shutdown";

/** The API process: HTTP in front, Postgres and Redis behind. */
async function main(): Promise<void> {
  const container = buildContainer(loadConfig());
  const { logger, config } = container;
  const server = await listen(container.createApp(), config.port, config.host);
  const { port } = server.address() as AddressInfo;
  logger.info({ url: `http://${config.host}:${port}` }, "api listening");

  onShutdown(logger, async () => {
    // Stop accepting, let requests in flight finish, then release connections.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await container.close();
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
