import type { CustomDialectOptions, DialectVerifier } from "../types";
import { checkHmacHeader, envelopeDescription } from "./hmac";

const DEFAULT_TIMESTAMP_HEADER = "x-webhook-timestamp";

/** The options as hookrelay stores them: defaults filled in, header names lowercase. */
export function normalizeCustomOptions(o: CustomDialectOptions): Required<Omit<CustomDialectOptions, "timestampHeader">> & { timestampHeader?: string } {
  const signedContent = o.signedContent ?? "body";
  return {
    signatureHeader: o.signatureHeader.toLowerCase(),
    algorithm: o.algorithm ?? "sha256",
    encoding: o.encoding ?? "hex",
    prefix: o.prefix ?? "",
    signedContent,
    handshake: o.handshake ?? "none",
    ...(signedContent === "timestamp.body" ? { timestampHeader: (o.timestampHeader ?? DEFAULT_TIMESTAMP_HEADER).toLowerCase() } : {}),
  };
}

/** A receiver's own scheme, described by the webhook's dialectOptions: one HMAC header, the generic envelope. */
export const custom: DialectVerifier = {
  handshake: (options) => (options ? normalizeCustomOptions(options).handshake : "none"),
  verify: (input) => {
    const o = normalizeCustomOptions(input.options!);
    return checkHmacHeader(input, {
      header: o.signatureHeader,
      algorithm: o.algorithm,
      encoding: o.encoding,
      prefix: o.prefix,
      ...(o.timestampHeader ? { timestampHeader: o.timestampHeader } : {}),
    });
  },
  describe: envelopeDescription,
};
