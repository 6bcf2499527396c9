import type { DialectVerifier } from "../types";
import { checkHmacHeader, envelopeDescription } from "./hmac";

/** Oblic: `x-oblic-signature` is the bare hex HMAC-SHA256 of the raw body; body `{"id","type","payload"}`. */
export const oblic: DialectVerifier = {
  handshake: () => "none",
  verify: (input) => checkHmacHeader(input, { header: "x-oblic-signature", algorithm: "sha256", encoding: "hex", prefix: "" }),
  describe: envelopeDescription,
};
