import { metaHubChallenge, type HandshakeDeps, type HandshakeRunner, type OwnershipCheck } from "./handshake";
import { slackUrlVerification } from "./slack";
import type { HandshakeStyle } from "./types";
import { wappcloudChallenge } from "./wappcloud";

/** No handshake: the dialect's receivers expect none (Telegram, OneRoute, Oblic…). */
const noHandshake: HandshakeRunner = async () => ({ verified: true, elapsedMs: 0 });

const RUNNERS: Record<HandshakeStyle, HandshakeRunner> = {
  meta: metaHubChallenge,
  none: noHandshake,
  wappcloud: wappcloudChallenge,
  slack: slackUrlVerification,
};

/** Runs the handshake style a dialect names. */
export function createOwnershipCheck(deps: HandshakeDeps, runners: Partial<Record<HandshakeStyle, HandshakeRunner>> = {}): OwnershipCheck {
  const table = { ...RUNNERS, ...runners };
  return ({ url, secret, style }) => table[style](deps, { url, secret });
}
