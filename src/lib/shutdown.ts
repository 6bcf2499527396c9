import type { Logger } from "./logger";

/**
 * Runs `stop` once on SIGTERM or SIGINT, then exits: 0 once it resolved, 1 if it failed. A
 * second signal, or a stop still running after `graceMs`, exits 1 at once: an operator pressing
 * Ctrl-C twice means it, and a supervisor (`npm run up`, Kubernetes) gives a process a fixed
 * time before it kills it. `stop` should bound each of its own steps well within `graceMs`
 * (Redis or Postgres may be unreachable); this is the backstop.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>, graceMs = 8_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    const started = Date.now();
    logger.info({ signal, graceMs }, "shutting down");
    const force = setTimeout(() => {
      logger.error({ graceMs }, "shutdown took too long: exiting");
      process.exit(1);
    }, graceMs);
    force.unref();
    stop().then(
      () => {
        logger.info({ ms: Date.now() - started }, "shut down");
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err, ms: Date.now() - started }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
}
