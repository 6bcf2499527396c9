import { fail, tokensEqual } from "../signatures";
import type { DialectVerifier } from "../types";

/**
 * Telegram: no signature at all. The setWebhook `secret_token` arrives verbatim in
 * `X-Telegram-Bot-Api-Secret-Token`, and a receiver compares it with its own, as grammY's and
 * Telegraf's webhookCallback do. It says nothing about the body: only HTTPS protects that.
 */
export const telegram: DialectVerifier = {
  handshake: () => "none",
  verify: (input) => {
    const token = input.header("x-telegram-bot-api-secret-token");
    if (!token) return fail("missing_signature", "no x-telegram-bot-api-secret-token header");
    let matched = false;
    for (const secret of input.secrets) matched = tokensEqual(token, secret) || matched;
    return matched ? { ok: true } : fail("bad_signature", "x-telegram-bot-api-secret-token is none of the secret tokens given");
  },
  describe: (event) => {
    const id = typeof event === "object" && event !== null ? (event as { update_id?: unknown }).update_id : undefined;
    return typeof id === "number" && Number.isInteger(id) ? { id: String(id) } : {};
  },
};
