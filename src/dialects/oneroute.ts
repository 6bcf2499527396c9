import type { Dialect, DialectContext } from "./types";

// Placeholder until the dialect lands; never reachable from the API (see registry.ts).
export function oneRouteDialect(_ctx: DialectContext): Dialect {
  throw new Error("the oneroute dialect is not built yet");
}

/** What a receiver must do to verify this dialect (README and OpenAPI). */
export const oneRouteGuide = "(not built yet)";
