import { VERIFIERS } from "./dialects/registry";
import { checkSlackSignature } from "./dialects/slack";
import { headerReader } from "./headers";
import { bodyBytes, DEFAULT_TOLERANCE_SECONDS } from "./options";
import { tokensEqual } from "./signatures";
import type { CustomDialectOptions, DialectName, HandshakeStyle, WebhookRequest } from "./types";

export interface HandshakeOptions {
  dialect: DialectName;
  /** The token the handshake carries (meta's hub.verify_token, the signing secret slack signs with). Defaults to `secret`. */
  verifyToken?: string | readonly string[];
  secret?: string | readonly string[];
  /** For the custom dialect, whose options name its handshake. */
  dialectOptions?: CustomDialectOptions;
  toleranceSeconds?: number;
  now?: Date;
}

export type HandshakeRequest = Omit<WebhookRequest, "rawBody"> & { rawBody?: WebhookRequest["rawBody"] };

export type HandshakeAnswer = { handled: false } | { handled: true; status: number; headers: Record<string, string>; body: string };

const NOT_HANDLED: HandshakeAnswer = { handled: false };
const text = (status: number, body: string): HandshakeAnswer => ({ handled: true, status, headers: { "content-type": "text/plain; charset=utf-8" }, body });
const json = (status: number, value: unknown): HandshakeAnswer => ({
  handled: true,
  status,
  headers: { "content-type": "application/json; charset=utf-8" },
  body: JSON.stringify(value),
});
const refusal = (status: number, code: string, message: string) => json(status, { error: { code, message } });

/**
 * The answer to the ownership challenge hookrelay sends when a webhook is registered (and
 * verified again, or re-enabled), or `{handled: false}` when the request is not one: then it is
 * a delivery, for `verify`. Pure: the caller writes the answer.
 */
export function answerHandshake(request: HandshakeRequest, options: HandshakeOptions): HandshakeAnswer {
  const verifier = VERIFIERS[options.dialect] as (typeof VERIFIERS)[DialectName] | undefined;
  if (!verifier) throw new TypeError(`unknown dialect ${JSON.stringify(options.dialect)}`);
  const style: HandshakeStyle = verifier.handshake(options.dialectOptions);
  const method = request.method?.toUpperCase();
  const query = new URL(request.url ?? "/", "http://receiver.invalid").searchParams;
  switch (style) {
    case "meta":
      return method === "GET" || method === undefined ? metaAnswer(query, tokensOf(options)) : NOT_HANDLED;
    case "wappcloud":
      return (method === "GET" || method === undefined) && query.has("challenge") ? json(200, { challenge: query.get("challenge") }) : NOT_HANDLED;
    case "slack":
      return method === "POST" || method === undefined ? slackAnswer(request, options) : NOT_HANDLED;
    case "none":
      return NOT_HANDLED;
  }
}

/** GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=… → the challenge, once the token matches. */
function metaAnswer(query: URLSearchParams, tokens: readonly string[]): HandshakeAnswer {
  if (!query.has("hub.mode") && !query.has("hub.challenge")) return NOT_HANDLED;
  const given = query.get("hub.verify_token") ?? "";
  let matched = false;
  for (const token of tokens) matched = tokensEqual(given, token) || matched;
  if (query.get("hub.mode") !== "subscribe" || !query.has("hub.challenge")) {
    return refusal(400, "malformed", "expected hub.mode=subscribe with hub.verify_token and hub.challenge");
  }
  return matched ? text(200, query.get("hub.challenge")!) : refusal(403, "verify_token_mismatch", "hub.verify_token is not this endpoint's verify token");
}

/** POST {"type":"url_verification","challenge":…}, signed like any Slack request: checked before it is answered. */
function slackAnswer(request: HandshakeRequest, options: HandshakeOptions): HandshakeAnswer {
  if (request.rawBody === undefined) return NOT_HANDLED;
  const body = bodyBytes(request.rawBody);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return NOT_HANDLED;
  }
  const { type, challenge } = (typeof parsed === "object" && parsed !== null ? parsed : {}) as { type?: unknown; challenge?: unknown };
  if (type !== "url_verification") return NOT_HANDLED;
  const verdict = checkSlackSignature({
    header: headerReader(request.headers),
    body,
    secrets: tokensOf(options),
    toleranceSeconds: options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
    nowSeconds: Math.floor((options.now ?? new Date()).getTime() / 1000),
  });
  if (!verdict.ok) return refusal(401, verdict.reason, verdict.message);
  if (typeof challenge !== "string") return refusal(400, "malformed", "url_verification without a challenge");
  return json(200, { challenge });
}

function tokensOf(options: HandshakeOptions): readonly string[] {
  const given = options.verifyToken ?? options.secret;
  const tokens = given === undefined ? [] : typeof given === "string" ? [given] : given;
  if (tokens.length === 0 || tokens.some((t) => typeof t !== "string" || t.length === 0)) {
    throw new TypeError(`the ${options.dialect} handshake needs verifyToken (or secret): the token the webhook was registered with`);
  }
  return tokens;
}
