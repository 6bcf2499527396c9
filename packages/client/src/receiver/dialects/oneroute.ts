import type { DialectVerifier } from "../types";
import { checkHmacHeader } from "./hmac";

/**
 * OneRoute: `x-oneroute-signature` is the bare hex HMAC-SHA512 of the body. The body is
 * `{"event": "<type>", …the event data}`, built so that JSON.stringify(JSON.parse(body)) gives the
 * same bytes; verifying the raw bytes is still the safe way. No id in the body.
 */
export const oneroute: DialectVerifier = {
  handshake: () => "none",
  verify: (input) => checkHmacHeader(input, { header: "x-oneroute-signature", algorithm: "sha512", encoding: "hex", prefix: "" }),
  describe: (event) => {
    const type = typeof event === "object" && event !== null ? (event as { event?: unknown }).event : undefined;
    return typeof type === "string" ? { type } : {};
  },
};
