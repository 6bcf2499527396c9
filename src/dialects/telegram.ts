import { createHash, randomBytes } from "node:crypto";
import type { EnvelopeSource } from "../events/envelope";
import { hasTopLevelKey, withLeadingField } from "./slack";
import type { Dialect, DialectContext } from "./types";

/**
 * Telegram Bot API webhooks (seed 000's Telegram path): no handshake (a bot registers its URL
 * with setWebhook), each delivery is an Update object, and the only credential is the
 * setWebhook `secret_token`, sent verbatim in X-Telegram-Bot-Api-Secret-Token. The header is
 * the secret itself, so it is masked in the attempt log; nothing in it depends on the body.
 */
export function telegramDialect({ minSecretLength }: DialectContext): Dialect {
  return {
    name: "telegram",
    handshake: "none",
    render: ({ event }) => renderTelegramUpdate(event),
    sign: ({ secrets }) => ({ [TELEGRAM_SECRET_TOKEN_HEADER]: secrets[0]! }),
    secretHeaders: [TELEGRAM_SECRET_TOKEN_HEADER],
    multiSignature: false,
    secret: {
      generate: () => randomTelegramSecretToken(Math.max(GENERATED_LENGTH, minSecretLength)),
      problem: (s) => telegramSecretTokenProblem(s, minSecretLength),
    },
  };
}

export const TELEGRAM_SECRET_TOKEN_HEADER = "x-telegram-bot-api-secret-token";

/** setWebhook's secret_token: "1-256 characters. Only characters A-Z, a-z, 0-9, _ and - are allowed." */
const SECRET_TOKEN_MAX_LENGTH = 256;
const SECRET_TOKEN_PATTERN = /^[A-Za-z0-9_-]+$/;
/** 256 bits, as randomPrintableSecret. */
const GENERATED_LENGTH = 43;

/** Telegram's secret_token rules, plus the deployment's minimum length. */
export function telegramSecretTokenProblem(secret: string, minLength: number): string | null {
  if (secret.length < Math.max(1, minLength)) return `must be at least ${Math.max(1, minLength)} characters`;
  if (secret.length > SECRET_TOKEN_MAX_LENGTH) return `must be at most ${SECRET_TOKEN_MAX_LENGTH} characters`;
  if (!SECRET_TOKEN_PATTERN.test(secret)) return "may contain only A-Z, a-z, 0-9, _ and - (Telegram's secret_token rules)";
  return null;
}

/** base64url is exactly Telegram's alphabet. */
export function randomTelegramSecretToken(length: number): string {
  return randomBytes(Math.ceil((length * 3) / 4)).toString("base64url").slice(0, length);
}

/**
 * The event's data as a Telegram Update: `{"update_id":<n>, …data}`, the data's bytes kept
 * (see withLeadingField). Producers emit the Update's other fields, e.g.
 * `{"message":{"message_id":1,"date":…,"chat":{"id":…,"type":"private"},"text":"hi"}}`.
 * A data object that has its own top-level `update_id` is sent as is.
 */
export function renderTelegramUpdate(e: EnvelopeSource): string {
  return hasTopLevelKey(e.data, "update_id") ? e.data : withLeadingField(e.data, "update_id", String(telegramUpdateId(e.id)));
}

/**
 * A positive update_id fixed by the event id, so retries and every webhook get the same one.
 * 31 bits: bot libraries in typed languages hold update_id in a 32-bit signed int. It is a hash,
 * not Telegram's increasing sequence: good for correlation and deduplication of retries, not
 * for ordering.
 */
export function telegramUpdateId(eventId: string): number {
  const n = createHash("sha256").update(eventId, "utf8").digest().readUInt32BE(0) & 0x7fffffff;
  return n === 0 ? 1 : n;
}

/** What a receiver must do to verify this dialect (README and OpenAPI). */
export const telegramGuide =
  "telegram: no handshake. Omit verifyToken to have a secret generated (returned once), or give one that follows setWebhook's secret_token rules (A-Z, a-z, 0-9, _ and -, at most 256 characters); it arrives on every delivery in X-Telegram-Bot-Api-Secret-Token, which the receiver compares with its secret in constant time (grammY's and Telegraf's webhookCallback do this with the secretToken option), refusing anything else with 401. The body is a Telegram Update: the event data with \"update_id\" (a positive 31-bit integer fixed per event) in front, so emit data shaped as an Update's fields, such as {\"message\":{…}}; the event type travels in X-Webhook-Event. The token does not cover the body: use HTTPS.";
