import type { Logger } from "./logger";

/**
 * A background loop of a worker process: `pass` every `intervalMs`, and at once when nudged,
 * never two at once (a nudge during a pass runs one more right after it). A failed pass is
 * logged as `failure` and tried again on the next. `stop` ends the loop and waits for the pass
 * in progress (callers bound that wait: src/delivery/worker-process.ts).
 */
export function startPeriodic(pass: () => Promise<unknown>, opts: { intervalMs: number; logger: Logger; failure: string }): { nudge(): void; stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const run = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = pass()
      .then(() => undefined)
      .catch((err: unknown) => opts.logger.warn({ err: err instanceof Error ? err.message : err }, opts.failure))
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          run();
        }
      });
  };
  const timer = setInterval(run, opts.intervalMs);
  return {
    nudge: run,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
