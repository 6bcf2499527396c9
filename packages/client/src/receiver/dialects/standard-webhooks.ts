import { anyMatches, badSignature, fail, fromBase64, hmac, parseSeconds, staleness } from "../signatures";
import type { DialectInput, DialectVerifier } from "../types";
import { envelopeDescription } from "./hmac";

const PREFIX = "whsec_";

/** The key bytes of a `whsec_<base64>` secret (the bare base64 works too, as with Svix), or null. */
export function standardKey(secret: string): Buffer | null {
  const key = fromBase64(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret);
  return key && key.length > 0 ? key : null;
}

/** The `svix-*` names, which Svix's own libraries read when the `webhook-*` ones are absent. */
function header(input: DialectInput, name: "id" | "timestamp" | "signature"): string | undefined {
  return input.header(`webhook-${name}`) ?? input.header(`svix-${name}`);
}

/**
 * Standard Webhooks: `webhook-signature` holds space-separated `v1,<base64 HMAC-SHA256 of
 * "<webhook-id>.<webhook-timestamp>.<body>">`, one per signing secret (two during a rotation),
 * keyed with the decoded secret. Any v1 entry matching any secret passes; other versions
 * (`v1a`, asymmetric) are not ours to check and are skipped.
 */
export const standardWebhooks: DialectVerifier = {
  handshake: () => "none",
  verify: (input) => {
    const value = header(input, "signature")?.trim();
    if (!value) return fail("missing_signature", "no webhook-signature header");
    const id = header(input, "id");
    const text = header(input, "timestamp")?.trim();
    if (!id || !text) return fail("malformed", "webhook-id and webhook-timestamp must accompany webhook-signature: the signature covers them");
    const timestamp = parseSeconds(text);
    if (timestamp === null) return fail("malformed", "webhook-timestamp is not unix seconds");
    const received = value
      .split(/\s+/)
      .filter((entry) => entry.startsWith("v1,"))
      .map((entry) => fromBase64(entry.slice(3)))
      .filter((sig): sig is Buffer => sig !== null);
    if (received.length === 0) return fail("malformed", "webhook-signature has no v1,<base64> entry");
    const keys = input.secrets.map((s) => standardKey(s)!);
    const expected = keys.map((key) => hmac("sha256", key, `${id}.${text}.`, input.body));
    if (!anyMatches(expected, received)) return badSignature("no entry of webhook-signature");
    return staleness(timestamp, input.nowSeconds, input.toleranceSeconds) ?? { ok: true, id, timestamp };
  },
  // The type from the envelope; the id stays webhook-id, which the spec says to deduplicate on.
  describe: (event) => {
    const { type } = envelopeDescription(event);
    return type === undefined ? {} : { type };
  },
};
