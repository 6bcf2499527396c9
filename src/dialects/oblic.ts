import type { EnvelopeSource } from "../events/envelope";
import { hmacHex } from "./meta";
import { printableSecretProblem, randomPrintableSecret } from "./secrets";
import type { Dialect, DialectContext } from "./types";

/**
 * Oblic (seed 004): no handshake; the body is `{"id","type","payload"}` and `x-oblic-signature`
 * is the hex HMAC-SHA256 of the request payload (the raw body) keyed with the webhook secret.
 */
export function oblicDialect({ minSecretLength }: DialectContext): Dialect {
  return {
    name: "oblic",
    handshake: "none",
    render: ({ event }) => renderOblicEnvelope(event),
    sign: ({ body, secrets }) => ({ "x-oblic-signature": hmacHex("sha256", secrets[0]!, body) }),
    secretHeaders: ["x-oblic-signature"],
    multiSignature: false,
    secret: { generate: randomPrintableSecret, problem: (s) => printableSecretProblem(s, minSecretLength) },
  };
}

/**
 * Built by concatenation around the stored data text, like renderEnvelope: the producer's bytes
 * pass through untouched and every retry sends the same body, which is what the signature covers.
 */
export function renderOblicEnvelope(e: Pick<EnvelopeSource, "id" | "type" | "data">): string {
  return `{"id":${JSON.stringify(e.id)},"type":${JSON.stringify(e.type)},"payload":${e.data}}`;
}

/** What a receiver must do to verify this dialect (README and OpenAPI). */
export const oblicGuide =
  'oblic: no handshake. Each POST body is {"id": "<event id>", "type": "<type>", "payload": {…}}; verify it by comparing x-oblic-signature with the hex HMAC-SHA256 of the raw body keyed with the webhook secret, in constant time, before parsing it.';
