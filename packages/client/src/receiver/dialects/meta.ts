import type { DialectVerifier } from "../types";
import { checkHmacHeader, envelopeDescription } from "./hmac";

/**
 * Meta / Orki: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`, keyed with the
 * verify token, which also answers the GET hub.challenge handshake. No timestamp. Bodies are
 * ASCII-escaped JSON: verify the raw bytes, never a re-serialized copy.
 */
export const meta: DialectVerifier = {
  handshake: () => "meta",
  verify: (input) => checkHmacHeader(input, { header: "x-hub-signature-256", algorithm: "sha256", encoding: "hex", prefix: "sha256=" }),
  describe: envelopeDescription,
};
