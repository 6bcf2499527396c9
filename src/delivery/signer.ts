import { createHmac } from "node:crypto";

/**
 * How a delivery proves it came from us. A strategy, so other dialects (Standard Webhooks,
 * Slack, Wappcloud…) slot in beside the Meta one; the pipeline only asks for headers.
 */
export interface SigningInput {
  body: string;
  secret: string;
  eventType: string;
  deliveryId: string;
  attempt: number;
  now: Date;
}

export interface Signer {
  headers(input: SigningInput): Record<string, string>;
  /** Headers that carry or derive from the secret: masked in the attempt log. */
  secretHeaders: readonly string[];
}

/** Orki/Meta: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the exact body bytes>`, keyed with the verify token. */
export const metaSigner: Signer = {
  headers: ({ body, secret }) => ({
    "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`,
  }),
  secretHeaders: ["x-hub-signature-256"],
};

/** Shows enough of a secret-bearing header to tell two apart, never enough to replay one. */
export function maskHeaders(headers: Record<string, string>, secretHeaders: readonly string[]): Record<string, string> {
  const masked: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    masked[name] = secretHeaders.includes(name.toLowerCase()) ? `${value.slice(0, Math.min(12, Math.floor(value.length / 4)))}…` : value;
  }
  return masked;
}
