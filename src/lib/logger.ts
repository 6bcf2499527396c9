import pino, { type Logger } from "pino";

export type { Logger };

/**
 * Structured JSON logs (pino). Secrets are redacted by path as a second line of defence;
 * the first is never putting them in a log call.
 */
export function createLogger(level: string, name = "hookrelay"): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: ["req.headers.authorization", "verifyToken", "*.verifyToken", "apiKey", "*.apiKey"],
      censor: "[redacted]",
    },
  });
}
