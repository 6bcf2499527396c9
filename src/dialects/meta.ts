import { createHmac } from "node:crypto";
import { renderEnvelope } from "../events/envelope";
import { printableSecretProblem } from "./secrets";
import type { Dialect, DialectContext } from "./types";

/**
 * Orki / Meta (seeds 001 and 000's WhatsApp path): GET hub.challenge handshake with the verify
 * token, `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>` keyed with the same token.
 * The customer chooses the token (the receiver checks it during the handshake), so it is
 * never generated.
 */
export function metaDialect({ minSecretLength }: DialectContext): Dialect {
  return {
    name: "meta",
    handshake: "meta",
    render: ({ event }) => escapeNonAscii(renderEnvelope(event)),
    sign: ({ body, secrets }) => ({ "x-hub-signature-256": `sha256=${hmacHex("sha256", secrets[0]!, body)}` }),
    secretHeaders: ["x-hub-signature-256"],
    multiSignature: false,
    secret: { generate: () => null, problem: (s) => printableSecretProblem(s, minSecretLength) },
  };
}

/**
 * Meta sends its payloads with every non-ASCII character escaped (`\u00e4`, lowercase hex),
 * and Meta receiver code in the wild verifies either the raw bytes or a re-escaped copy of
 * them. An ASCII-only body reads the same both ways, so both kinds verify; JSON.parse gives
 * back exactly the same values.
 */
export function escapeNonAscii(json: string): string {
  return json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export function hmacHex(algorithm: "sha256" | "sha512", key: string, body: string): string {
  return createHmac(algorithm, key).update(body, "utf8").digest("hex");
}

/** What a receiver must do to verify this dialect (README and OpenAPI). */
export const metaGuide =
  "meta: answer GET ?hub.mode=subscribe&hub.verify_token=<token>&hub.challenge=<n> with 200 and the challenge as the body (after checking the token); verify each POST by comparing X-Hub-Signature-256 with `sha256=` + hex HMAC-SHA256 of the raw body keyed with the verify token, in constant time.";
