import { createHmac, randomBytes } from "node:crypto";
import { renderEnvelope } from "../events/envelope";
import type { Dialect, DialectContext } from "./types";

/** The spec's secret format: `whsec_` and the base64 of the key bytes. */
export const STANDARD_SECRET_PREFIX = "whsec_";
/** The spec's bounds on the key: at least 24 bytes (192 bits), at most 64. */
const KEY_MIN_BYTES = 24;
const KEY_MAX_BYTES = 64;
const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Standard Webhooks (standardwebhooks.com), which Svix's libraries verify too:
 * `webhook-id` (the delivery id, so it is stable across retries and receivers can dedupe),
 * `webhook-timestamp` (unix seconds at send time) and `webhook-signature`, space-separated
 * `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, one per signing secret: during a
 * rotation both secrets sign and a receiver holding either verifies. No handshake.
 *
 * Only the `webhook-*` names are sent: svix's verifier reads them when `svix-*` are absent
 * (svix 1.x `Webhook.verify`), and a second set would only double what can go wrong.
 */
export function standardWebhooksDialect(_ctx: DialectContext): Dialect {
  return {
    name: "standard-webhooks",
    handshake: "none",
    render: ({ event }) => renderEnvelope(event),
    sign: ({ body, secrets, deliveryId, now }) => {
      const timestamp = String(Math.floor(now.getTime() / 1000));
      return {
        "webhook-id": deliveryId,
        "webhook-timestamp": timestamp,
        "webhook-signature": secrets.map((s) => standardSignature(s, deliveryId, timestamp, body)).join(" "),
      };
    },
    secretHeaders: ["webhook-signature"],
    multiSignature: true,
    secret: { generate: newStandardSecret, problem: standardSecretProblem },
  };
}

/** `v1,` + base64 HMAC-SHA256 of `<id>.<timestamp>.<body>`, keyed with the secret's decoded bytes. */
export function standardSignature(secret: string, id: string, timestamp: string, body: string): string {
  const key = Buffer.from(secret.slice(STANDARD_SECRET_PREFIX.length), "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`, "utf8").digest("base64")}`;
}

/** 32 random bytes, the size the spec's reference libraries generate. */
export function newStandardSecret(): string {
  return STANDARD_SECRET_PREFIX + randomBytes(32).toString("base64");
}

/**
 * Why a customer's secret cannot be used, or null. Only padded standard base64 is accepted:
 * it is what every Standard Webhooks library decodes, and a lenient decoder here would sign
 * with other bytes than a strict one on the receiving side.
 */
export function standardSecretProblem(secret: string): string | null {
  if (!secret.startsWith(STANDARD_SECRET_PREFIX)) return `must start with "${STANDARD_SECRET_PREFIX}" followed by the base64 of the key`;
  const encoded = secret.slice(STANDARD_SECRET_PREFIX.length);
  if (!STANDARD_BASE64.test(encoded)) return `must be "${STANDARD_SECRET_PREFIX}" followed by standard base64 with padding`;
  const bytes = Buffer.from(encoded, "base64").length;
  if (bytes < KEY_MIN_BYTES || bytes > KEY_MAX_BYTES) {
    return `the key must be ${KEY_MIN_BYTES} to ${KEY_MAX_BYTES} bytes; this one is ${bytes}`;
  }
  return null;
}

/** What a receiver must do to verify this dialect (README and OpenAPI). */
export const standardWebhooksGuide =
  "standard-webhooks: no handshake; the secret (`whsec_` + base64 key) is generated unless given and shown once. Verify each POST with any Standard Webhooks or Svix library (`new Webhook(secret).verify(rawBody, headers)`), or by hand: decode the base64 after `whsec_`, compute base64 HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<raw body>`, and accept when it equals, in constant time, any of the space-separated `v1,<signature>` entries of webhook-signature (two during a secret rotation); reject timestamps more than 5 minutes from your clock and use webhook-id, stable across retries, to drop duplicates.";
