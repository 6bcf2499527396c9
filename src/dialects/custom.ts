import { z } from "../lib/zod";
import type { Dialect, DialectContext } from "./types";

// Placeholder schema until the dialect lands.
export const CustomDialectOptions = z.strictObject({});

// Placeholder until the dialect lands; never reachable from the API (see registry.ts).
export function customDialect(_ctx: DialectContext): Dialect {
  throw new Error("the custom dialect is not built yet");
}

/** What a receiver must do to verify this dialect (README and OpenAPI). */
export const customGuide = "(not built yet)";
