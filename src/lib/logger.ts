import pino, { type DestinationStream, type Logger } from "pino";

export type { Logger };

/**
 * Structured JSON logs (pino). Secrets are redacted by path as a second line of defence;
 * the first is never putting them in a log call. `destination` (stdout by default) lets tests
 * read exactly what would be written.
 */
export function createLogger(level: string, name = "hookrelay", destination?: DestinationStream): Logger {
  const options = {
    name,
    level,
    redact: {
      paths: ["req.headers.authorization", "verifyToken", "*.verifyToken", "apiKey", "*.apiKey"],
      censor: "[redacted]",
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
