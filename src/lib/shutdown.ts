import type { Logger } from "./logger";

/**
 * Runs `stop` once on SIGTERM or SIGINT, then exits. A second signal, or a stop that takes
 * longer than `graceMs`, exits at once: an operator pressing Ctrl-C twice means it.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>, graceMs = 15_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down");
    const force = setTimeout(() => {
      logger.error({ graceMs }, "shutdown took too long: exiting");
      process.exit(1);
    }, graceMs);
    force.unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
}
