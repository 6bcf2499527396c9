import type { DialectVerifier } from "../types";
import { checkHmacHeader, envelopeDescription } from "./hmac";

/**
 * Wappcloud: `X-Wappcloud-Signature: sha256=<hex HMAC-SHA256 of the raw body>` keyed with the
 * webhook secret; the event type also in `X-Wappcloud-Event`. GET `?challenge=` handshake.
 */
export const wappcloud: DialectVerifier = {
  handshake: () => "wappcloud",
  verify: (input) => checkHmacHeader(input, { header: "x-wappcloud-signature", algorithm: "sha256", encoding: "hex", prefix: "sha256=" }),
  describe: (event, input) => {
    const described = envelopeDescription(event);
    const header = input.header("x-wappcloud-event");
    return described.type === undefined && header ? { ...described, type: header } : described;
  },
};
