import { anyMatches, badSignature, fail, fromHex, hmac, parseSeconds, staleness } from "../signatures";
import type { DialectInput, DialectVerdict, DialectVerifier } from "../types";

/**
 * Slack's request signing, as its SDKs check it: `X-Slack-Signature: v0=<hex HMAC-SHA256 of
 * "v0:<X-Slack-Request-Timestamp>:<raw body>">` with the signing secret. It also signs the
 * url_verification handshake, and hookrelay's custom dialect reuses it for its slack handshake.
 */
export function checkSlackSignature(input: DialectInput): DialectVerdict {
  const value = input.header("x-slack-signature")?.trim();
  if (!value) return fail("missing_signature", "no x-slack-signature header");
  const received = value.startsWith("v0=") ? fromHex(value.slice(3)) : null;
  if (!received) return fail("malformed", "x-slack-signature is not v0=<hex HMAC-SHA256>");
  const text = input.header("x-slack-request-timestamp")?.trim();
  if (!text) return fail("malformed", "no x-slack-request-timestamp header, which the signature covers");
  const timestamp = parseSeconds(text);
  if (timestamp === null) return fail("malformed", "x-slack-request-timestamp is not unix seconds");
  const expected = input.secrets.map((secret) => hmac("sha256", secret, `v0:${text}:`, input.body));
  if (!anyMatches(expected, [received])) return badSignature("x-slack-signature");
  return staleness(timestamp, input.nowSeconds, input.toleranceSeconds) ?? { ok: true, timestamp };
}

/** The Events API envelope: `event_id` to deduplicate on, the inner event's type. */
export const slack: DialectVerifier = {
  handshake: () => "slack",
  verify: checkSlackSignature,
  describe: (event) => {
    if (typeof event !== "object" || event === null) return {};
    const { event_id: id, type, event: inner } = event as { event_id?: unknown; type?: unknown; event?: { type?: unknown } };
    const innerType = typeof inner === "object" && inner !== null ? inner.type : undefined;
    const named = typeof innerType === "string" ? innerType : type;
    return { ...(typeof id === "string" ? { id } : {}), ...(typeof named === "string" ? { type: named } : {}) };
  },
};
