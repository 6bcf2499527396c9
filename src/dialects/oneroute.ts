import type { EnvelopeSource } from "../events/envelope";
import { hmacHex } from "./meta";
import { printableSecretProblem, randomPrintableSecret } from "./secrets";
import type { Dialect, DialectContext } from "./types";

/**
 * OneRoute (seed 003): no handshake; the body is the event's data with its type in front,
 * `{"event": "newMessage", "message": …, "conversation": …}`, and `x-oneroute-signature` is the
 * hex HMAC-SHA512 of the JSON body.
 */
export function oneRouteDialect({ minSecretLength }: DialectContext): Dialect {
  return {
    name: "oneroute",
    handshake: "none",
    render: ({ event }) => renderOneRouteBody(event),
    sign: ({ body, secrets }) => ({ "x-oneroute-signature": hmacHex("sha512", secrets[0]!, body) }),
    secretHeaders: ["x-oneroute-signature"],
    multiSignature: false,
    secret: { generate: randomPrintableSecret, problem: (s) => printableSecretProblem(s, minSecretLength) },
  };
}

/**
 * The seed's receiver does not sign the bytes it got: it HMACs `JSON.stringify(req.body)` after
 * `express.json()` parsed them. So, unlike every other dialect, the body is not built around the
 * stored text but re-serialized, to the one form that survives that round trip:
 * `JSON.stringify(JSON.parse(body)) === body`. JSON.stringify's own output always does (escapes
 * like `\/` or `\u00e9` are gone, numbers are canonical, `-0` is `0`, duplicate keys are folded
 * as JSON.parse folds them, U+2028 stays raw on both sides). Two consequences, both intended:
 * - numbers arrive as a JavaScript receiver reads them (beyond 2^53 they lose digits there anyway);
 * - `event` comes first except after integer-like keys ("1", "42"), which every JS object
 *   enumerates first: forcing `event` in front would break the round trip and so the signature.
 * Data of its own named `event` is dropped: the event type wins, as the seed's payloads show.
 * Deterministic for a given event, so retries send the same bytes.
 */
export function renderOneRouteBody(event: Pick<EnvelopeSource, "type" | "data">): string {
  const data: unknown = JSON.parse(event.data);
  // Ingestion only accepts objects; anything else would be a stored row we did not write.
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw new Error("oneroute: event data is not a JSON object");
  // Rest and spread define own properties (never assignment), so a `__proto__` key in the data
  // stays a plain key, exactly as JSON.parse on the receiver's side makes it.
  const { event: _theirs, ...fields } = data as Record<string, unknown>;
  return JSON.stringify({ event: event.type, ...fields });
}

/** What a receiver must do to verify this dialect (README and OpenAPI). */
export const oneRouteGuide =
  'oneroute: no handshake. Each POST body is {"event": "<type>", …the event data\'s fields}; verify it by comparing x-oneroute-signature with the hex HMAC-SHA512 of the body keyed with the webhook secret (the raw body, or JSON.stringify of the parsed body: the two are identical by construction), in constant time. Events may be larger than the 100 kB that express.json() accepts by default: raise it.';
