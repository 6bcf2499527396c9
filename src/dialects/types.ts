import type { EnvelopeSource } from "../events/envelope";

/**
 * A dialect is what a family of receivers expects: how ownership is proved, what the body
 * looks like, and how it is signed. The pipeline, the test-event button and the handshake
 * routes only ever talk to this interface; nothing dialect-specific lives anywhere else.
 */
export type HandshakeStyle = "meta" | "wappcloud" | "slack" | "none";

export interface RenderInput {
  event: EnvelopeSource;
  deliveryId: string;
}

export interface SignInput {
  /** The exact bytes that will be sent. */
  body: string;
  /** Secrets to sign with, active first; several only where the dialect carries several signatures. */
  secrets: string[];
  deliveryId: string;
  eventType: string;
  attempt: number;
  now: Date;
}

export interface SecretPolicy {
  /** A fresh strong secret, or null when it must come from the customer (the handshake needs it). */
  generate(): string | null;
  /** Why `secret` is unusable for this dialect, or null when it is fine. */
  problem(secret: string): string | null;
}

export interface Dialect {
  name: DialectName;
  handshake: HandshakeStyle;
  /** The request body, deterministic for a given event: retries must send the same bytes. */
  render(input: RenderInput): string;
  /** Headers that authenticate the request (signature, secret token, timestamps…). */
  sign(input: SignInput): Record<string, string>;
  /** Headers that carry or derive from the secret: masked in the attempt log. */
  secretHeaders: readonly string[];
  /** True when every secret of a rotation signs at once (one header, several signatures). */
  multiSignature: boolean;
  secret: SecretPolicy;
}

export const DIALECT_NAMES = ["meta", "wappcloud", "oneroute", "oblic", "slack", "telegram", "standard-webhooks", "custom"] as const;
export type DialectName = (typeof DIALECT_NAMES)[number];

/** What building a dialect may depend on: deployment settings and, for `custom`, its options. */
export interface DialectContext {
  minSecretLength: number;
  /** The webhook's `dialectOptions`, already validated by the dialect's own schema. */
  options?: unknown;
}

export type DialectFactory = (ctx: DialectContext) => Dialect;
