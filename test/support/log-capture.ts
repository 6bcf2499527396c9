import { createLogger, type Logger } from "../../src/lib/logger";

export interface CapturedLogs {
  /** The app's real logger (same redaction), writing into `lines` instead of stdout. */
  logger: Logger;
  /** Every JSON line written, as written. */
  lines: string[];
  /** Parsed lines at or above a pino level (50 = error). */
  atLeast(level: number): Record<string, unknown>[];
}

export function captureLogs(level = "trace"): CapturedLogs {
  const lines: string[] = [];
  const logger = createLogger(level, "hookrelay", { write: (line: string) => void lines.push(line) });
  return {
    logger,
    lines,
    atLeast: (min) => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => Number(l.level) >= min),
  };
}
