import type { ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { loadConfig } from "../src/config";
import { buildContainer } from "../src/container";
import { listen } from "../src/http/server";
import { settleWithin } from "../src/lib/settle-within";
import { onShutdown } from "../src/lib/shutdown";

/** How long requests in flight at SIGTERM may take; then container.close() gets about 2 s of the 8 s grace. */
const REQUESTS_GRACE_MS = 4_000;

/** The API process: HTTP in front, Postgres and Redis behind. */
async function main(): Promise<void> {
  const container = buildContainer(loadConfig());
  const { logger, config } = container;
  await container.ensurePartitions().catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : err }, "could not make the time partitions yet; the first write will"));
  const server = await listen(container.createApp(), config.port, config.host);
  const { port } = server.address() as AddressInfo;
  logger.info({ url: `http://${config.host}:${port}` }, "api listening");
  const metricsServer = await container.startMetricsServer();
  if (metricsServer) logger.info({ url: metricsServer.url }, "metrics listening");

  onShutdown(logger, async () => {
    // Stop accepting, let requests in flight finish, then release connections. Node keeps
    // serving a keep-alive connection after close() for as long as its client keeps sending,
    // and keeps an idle one until its keep-alive timeout: answer "Connection: close" from now
    // on, and drop connections as they fall idle. Requests are bounded in time (enqueue, rate
    // limiter) except by a Postgres that does not answer; after REQUESTS_GRACE_MS they are cut off.
    server.on("request", (_req, res: ServerResponse) => {
      if (!res.headersSent) res.setHeader("Connection", "close");
    });
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const idle = setInterval(() => server.closeIdleConnections(), 250);
    if ((await settleWithin(closed, REQUESTS_GRACE_MS)) === "timed_out") {
      logger.warn({ waitedMs: REQUESTS_GRACE_MS }, "requests still in flight; closing their connections");
      server.closeAllConnections();
    }
    clearInterval(idle);
    await container.close();
  });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
