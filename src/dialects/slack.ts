import type { HandshakeRunner } from "./handshake";
import type { Dialect, DialectContext } from "./types";

// Placeholder until the dialect lands; never reachable from the API (see registry.ts).
export function slackDialect(_ctx: DialectContext): Dialect {
  throw new Error("the slack dialect is not built yet");
}

// Placeholder until the dialect lands.
export const slackUrlVerification: HandshakeRunner = async () => {
  throw new Error("the slack handshake is not built yet");
};

/** What a receiver must do to verify this dialect (README and OpenAPI). */
export const slackGuide = "(not built yet)";
