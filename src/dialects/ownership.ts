import { metaHubChallenge, type HandshakeDeps, type HandshakeRunner, type OwnershipCheck } from "./handshake";
import type { ClientIdentity } from "../egress/client-identities";
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
  return ({ url, secret, style, clientIdentity }) => table[style](clientIdentity ? presenting(deps, clientIdentity) : deps, { url, secret });
}

/** Every request of the handshake, whatever the style, presents the webhook's client certificate. */
function presenting(deps: HandshakeDeps, clientIdentity: ClientIdentity): HandshakeDeps {
  const http = deps.http;
  // The shared client is not this view's to close.
  return { ...deps, http: { exchange: (req) => http.exchange({ ...req, clientIdentity }), close: async () => undefined } };
}
