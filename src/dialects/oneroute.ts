import type { Dialect, DialectContext } from "./types";

// Placeholder until the dialect lands; never reachable from the API (see registry.ts).
export function oneRouteDialect(_ctx: DialectContext): Dialect {
  throw new Error("the oneroute dialect is not built yet");
}
