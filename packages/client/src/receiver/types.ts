/**
 * What a receiver hands the verifier, and what it gets back. Outcomes are values: a request that
 * fails verification is an ordinary event for a public endpoint, not an exception.
 */

export const DIALECTS = ["meta", "wappcloud", "oneroute", "oblic", "slack", "telegram", "standard-webhooks", "custom"] as const;
export type DialectName = (typeof DIALECTS)[number];

/** Node's IncomingHttpHeaders, a Fetch `Headers`, or any plain record (names in any case). */
export type HeadersLike = { get(name: string): string | null } | Record<string, string | string[] | number | undefined>;

export interface WebhookRequest {
  headers: HeadersLike;
  /** The exact bytes received. Never a re-serialized parsed body: one changed byte breaks the signature. */
  rawBody: Buffer | Uint8Array | string;
  method?: string;
  /** Path and query (`/hooks?hub.mode=…`) or an absolute URL; handshakes read the query. */
  url?: string;
}

export type HandshakeStyle = "meta" | "wappcloud" | "slack" | "none";

/** The custom dialect's options, as given when the webhook was registered (`dialectOptions`). */
export interface CustomDialectOptions {
  signatureHeader: string;
  algorithm?: "sha256" | "sha512";
  encoding?: "hex" | "base64";
  prefix?: string;
  signedContent?: "body" | "timestamp.body";
  /** With signedContent "timestamp.body"; default "x-webhook-timestamp". */
  timestampHeader?: string;
  handshake?: HandshakeStyle;
}

export interface VerifyOptions {
  dialect: DialectName;
  /**
   * The webhook's secret (its verify token for meta and slack). Several during a rotation: a
   * request passes when any one of them verifies it.
   */
  secret: string | readonly string[];
  /** Only for the custom dialect: the same options the webhook was registered with. */
  dialectOptions?: CustomDialectOptions;
  /** How far a signed timestamp may be from `now`, either way; default 300. Ignored where the dialect has none. */
  toleranceSeconds?: number;
  /** The receiver's clock, for tests. */
  now?: Date;
}

export type VerificationFailureReason =
  /** No signature header (or, for telegram, no secret token header). */
  | "missing_signature"
  /** A signature or timestamp header that cannot be read: wrong prefix, not hex, not a number… */
  | "malformed"
  /** Well-formed, but no secret given produces it: tampered body, wrong or rotated-away secret. */
  | "bad_signature"
  /** Signed correctly, but the timestamp is further from now than the tolerance: a replay. */
  | "stale_timestamp"
  /** Authentic, but the body is not JSON: not something hookrelay sends. */
  | "invalid_body";

export interface VerifiedWebhook {
  ok: true;
  dialect: DialectName;
  /** The parsed body: the envelope, Slack's event_callback, Telegram's Update… as the dialect shapes it. */
  event: unknown;
  /**
   * The id to deduplicate on, as the dialect carries it: the event id of the envelope dialects
   * and Slack's event_id, Telegram's update_id, the standard-webhooks `webhook-id` (the delivery).
   */
  id?: string;
  /** The event type where the body or a dialect header names it. */
  type?: string;
  /** The signed unix seconds, where the dialect signs a timestamp. */
  timestamp?: number;
  /** hookrelay's `X-Webhook-Id` (the delivery, stable across retries) and `X-Webhook-Attempt`. Not signed. */
  deliveryId?: string;
  attempt?: number;
  rawBody: Buffer;
}

export interface VerificationFailure {
  ok: false;
  reason: VerificationFailureReason;
  /** In words, for logs and for the 401 the middleware answers. Never contains a secret. */
  message: string;
}

export type VerifyResult = VerifiedWebhook | VerificationFailure;

/** What a dialect's check gets: everything already normalized. */
export interface DialectInput {
  header(name: string): string | undefined;
  body: Buffer;
  secrets: readonly string[];
  toleranceSeconds: number;
  nowSeconds: number;
  options?: CustomDialectOptions;
}

/** A dialect's verdict on authenticity alone; parsing the body is shared. */
export type DialectVerdict =
  | { ok: true; id?: string; type?: string; timestamp?: number }
  | VerificationFailure;

export interface DialectVerifier {
  /** How the dialect (or, for custom, its options) proves ownership of the URL. */
  handshake(options?: CustomDialectOptions): HandshakeStyle;
  verify(input: DialectInput): DialectVerdict;
  /** What the body says about itself (id, type), once it is known to be authentic. */
  describe?(event: unknown, input: DialectInput): { id?: string; type?: string };
}
