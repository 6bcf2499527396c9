import type { Dialect, DialectContext } from "./types";

// Placeholder until the dialect lands; never reachable from the API (see registry.ts).
export function standardWebhooksDialect(_ctx: DialectContext): Dialect {
  throw new Error("the standard-webhooks dialect is not built yet");
}

/** What a receiver must do to verify this dialect (README and OpenAPI). */
export const standardWebhooksGuide = "(not built yet)";
