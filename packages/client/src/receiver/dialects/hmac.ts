import { anyMatches, badSignature, fail, fromBase64, fromHex, hmac, parseSeconds, staleness } from "../signatures";
import type { DialectInput, DialectVerdict } from "../types";

/** One header carrying `prefix` + an HMAC of the body (or of `<timestamp>.<body>`). */
export interface HmacHeaderSpec {
  header: string;
  algorithm: "sha256" | "sha512";
  encoding: "hex" | "base64";
  prefix: string;
  /** When set, the signed content is `<this header's value>.<body>` and the value is a timestamp. */
  timestampHeader?: string;
}

/**
 * The scheme of meta, wappcloud, oneroute, oblic and custom. The signature is checked before the
 * timestamp, so `stale_timestamp` is only ever said of a request that was really signed: a replay.
 */
export function checkHmacHeader(input: DialectInput, spec: HmacHeaderSpec): DialectVerdict {
  const value = input.header(spec.header)?.trim();
  if (!value) return fail("missing_signature", `no ${spec.header} header`);
  const shape = `${spec.prefix}<${spec.encoding} HMAC-${spec.algorithm.toUpperCase()}>`;
  if (!value.startsWith(spec.prefix)) return fail("malformed", `${spec.header} is not ${shape}`);
  const received = (spec.encoding === "hex" ? fromHex : fromBase64)(value.slice(spec.prefix.length));
  if (!received) return fail("malformed", `${spec.header} is not ${shape}`);

  let timestamp: number | undefined;
  const signed: (string | Buffer)[] = [input.body];
  if (spec.timestampHeader) {
    const text = input.header(spec.timestampHeader);
    if (!text) return fail("malformed", `no ${spec.timestampHeader} header, which the signature covers`);
    const seconds = parseSeconds(text);
    if (seconds === null) return fail("malformed", `${spec.timestampHeader} is not unix seconds`);
    timestamp = seconds;
    // The header's text exactly as sent: the signer signed those characters, not our parse of them.
    signed.unshift(`${text}.`);
  }
  const expected = input.secrets.map((secret) => hmac(spec.algorithm, secret, ...signed));
  if (!anyMatches(expected, [received])) return badSignature(spec.header);
  if (timestamp !== undefined) {
    const stale = staleness(timestamp, input.nowSeconds, input.toleranceSeconds);
    if (stale) return stale;
  }
  return { ok: true, ...(timestamp === undefined ? {} : { timestamp }) };
}

/** What the `{"id","type",…}` envelopes say about themselves. */
export function envelopeDescription(event: unknown): { id?: string; type?: string } {
  if (typeof event !== "object" || event === null) return {};
  const { id, type } = event as { id?: unknown; type?: unknown };
  return { ...(typeof id === "string" ? { id } : {}), ...(typeof type === "string" ? { type } : {}) };
}
