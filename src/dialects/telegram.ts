import type { Dialect, DialectContext } from "./types";

// Placeholder until the dialect lands; never reachable from the API (see registry.ts).
export function telegramDialect(_ctx: DialectContext): Dialect {
  throw new Error("the telegram dialect is not built yet");
}

/** What a receiver must do to verify this dialect (README and OpenAPI). */
export const telegramGuide = "(not built yet)";
