import { randomInt } from "node:crypto";
import type { EnvelopeSource } from "../events/envelope";
import type { HttpOutcome } from "../lib/outbound-http";
import { USER_AGENT } from "../lib/version";
import { challengeMismatch, HANDSHAKE_MAX_RESPONSE_BYTES, judgeTransport, type HandshakeResult, type HandshakeRunner } from "./handshake";
import { hmacHex } from "./meta";
import { printableSecretProblem } from "./secrets";
import type { Dialect, DialectContext } from "./types";

/**
 * Slack Events API (seed 000's Slack path): a POST `url_verification` handshake, then each event
 * inside an `event_callback` envelope, signed the way Slack signs:
 * `X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<timestamp>:<body>">` with the signing secret.
 * The receiver verifies the handshake with that secret, so the customer gives it; it is never
 * generated.
 */
export function slackDialect({ minSecretLength }: DialectContext): Dialect {
  return {
    name: "slack",
    handshake: "slack",
    render: ({ event }) => renderSlackEventCallback(event),
    // Slack SDKs refuse timestamps older than five minutes, so the timestamp is the attempt's
    // send time and the signature is computed per attempt; the body alone stays identical.
    sign: ({ body, secrets, now, attempt }) => ({
      ...slackSignatureHeaders(body, secrets[0]!, now),
      // As Slack marks its own retries; receivers that already handled the event_id can skip.
      ...(attempt > 1 ? { "x-slack-retry-num": String(attempt - 1) } : {}),
    }),
    secretHeaders: ["x-slack-signature"],
    multiSignature: false,
    secret: { generate: () => null, problem: (s) => printableSecretProblem(s, minSecretLength) },
  };
}

/**
 * Fixed workspace and app ids: hookrelay is one "app" in one "workspace" as far as the receiver
 * can tell. Shaped like Slack's (a letter and upper-case alphanumerics) and plainly ours.
 */
export const SLACK_TEAM_ID = "THOOKRELAY";
export const SLACK_API_APP_ID = "AHOOKRELAY";

/**
 * `{"token":"","team_id","api_app_id","type":"event_callback","event_id","event_time","event"}`.
 * `event_id` is our event id (receivers deduplicate on it, and it finds the event in our logs);
 * `event_time` is the event's creation in unix seconds. `event` is the producer's data with
 * `"type": <our event type>` in front, spliced around the stored text like renderEnvelope so its
 * bytes pass through untouched. When the data carries its own top-level `type` (a producer
 * emitting Slack-shaped events such as `{"type":"message","text":…}`), that one is Slack's event
 * type and the data is the event as is.
 */
export function renderSlackEventCallback(e: EnvelopeSource): string {
  const inner = hasTopLevelKey(e.data, "type") ? e.data : withLeadingField(e.data, "type", JSON.stringify(e.type));
  return (
    `{"token":"","team_id":${JSON.stringify(SLACK_TEAM_ID)},"api_app_id":${JSON.stringify(SLACK_API_APP_ID)},` +
    `"type":"event_callback","event_id":${JSON.stringify(e.id)},"event_time":${Math.floor(e.createdAt.getTime() / 1000)},` +
    `"event":${inner}}`
  );
}

/** The two headers Slack's SDKs check, for these exact bytes at `now`. */
export function slackSignatureHeaders(body: string, signingSecret: string, now: Date): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return {
    "x-slack-request-timestamp": timestamp,
    "x-slack-signature": `v0=${hmacHex("sha256", signingSecret, `v0:${timestamp}:${body}`)}`,
  };
}

/**
 * `objectText` (a JSON object's text) with `"key":valueJson` as its first member, every other
 * byte kept. Re-serializing instead would be just as deterministic but would not keep the
 * producer's bytes, which is the envelope's promise.
 */
export function withLeadingField(objectText: string, key: string, valueJson: string): string {
  const rest = objectText.trim().slice(1);
  const empty = rest.trimStart().startsWith("}");
  return `{${JSON.stringify(key)}:${valueJson}${empty ? "" : ","}${rest}`;
}

/** Whether a JSON object's text has `key` among its own top-level members. */
export function hasTopLevelKey(objectText: string, key: string): boolean {
  const parsed: unknown = JSON.parse(objectText);
  return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) && Object.hasOwn(parsed, key);
}

const CHALLENGE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A fresh challenge like Slack's: 48 alphanumerics, safe in plain text, JSON and a form. */
export function newSlackChallenge(): string {
  return Array.from({ length: 48 }, () => CHALLENGE_ALPHABET[randomInt(CHALLENGE_ALPHABET.length)]).join("");
}

/** The handshake body, key order as Slack sends it. */
export function slackUrlVerificationBody(challenge: string): string {
  return JSON.stringify({ token: "", challenge, type: "url_verification" });
}

/**
 * Verified by a 2xx that answers exactly the challenge in one of the forms Slack accepts: plain
 * text (surrounding whitespace tolerated), JSON `{"challenge": …}`, or a form `challenge=…`.
 * What Slack itself would refuse is refused, so a receiver that passes here passes with Slack.
 */
export function judgeSlackChallenge(challenge: string, outcome: HttpOutcome): HandshakeResult {
  const failed = judgeTransport(outcome, 'the challenge, as plain text or as JSON {"challenge": …}');
  if (failed) return failed;
  const answered = outcome as HttpOutcome & { kind: "response" };
  return answeredChallenge(answered.body) === challenge
    ? { verified: true, elapsedMs: answered.elapsedMs }
    : challengeMismatch(answered, `the challenge ${JSON.stringify(challenge)} as plain text or as JSON {"challenge": …}`);
}

function answeredChallenge(body: string): string | null {
  const text = body.trim();
  if (text.startsWith("{")) {
    try {
      const parsed: unknown = JSON.parse(text);
      const value = typeof parsed === "object" && parsed !== null ? (parsed as { challenge?: unknown }).challenge : undefined;
      return typeof value === "string" ? value : null;
    } catch {
      return null;
    }
  }
  if (text.startsWith("challenge=")) return new URLSearchParams(text).get("challenge");
  return text;
}

/**
 * POSTs `url_verification` signed with the signing secret, as Slack does when a Request URL is
 * saved: the receiver proves it holds the secret (it must check the signature) and controls the
 * URL (it must echo the challenge).
 */
export const slackUrlVerification: HandshakeRunner = async (deps, { url, secret }) => {
  const challenge = newSlackChallenge();
  const body = slackUrlVerificationBody(challenge);
  const outcome = await deps.http.exchange({
    method: "POST",
    url,
    headers: {
      "content-type": "application/json",
      "user-agent": USER_AGENT,
      accept: "text/plain, application/json, */*",
      // The handshake has no injected clock; the signature is only checked against the receiver's.
      ...slackSignatureHeaders(body, secret, deps.clock.now()),
    },
    body,
    timeoutMs: deps.timeoutMs,
    maxResponseBytes: HANDSHAKE_MAX_RESPONSE_BYTES,
  });
  return judgeSlackChallenge(challenge, outcome);
};

/** What a receiver must do to verify this dialect (README and OpenAPI). */
export const slackGuide =
  'slack: give your Slack signing secret as verifyToken (it is never generated). At registration hookrelay POSTs {"token":"","challenge":"<random>","type":"url_verification"}, signed like every delivery; verify it and answer 2xx with the challenge as plain text or as JSON {"challenge":"<random>"}. Deliveries are Events API event_callback envelopes (team_id THOOKRELAY, api_app_id AHOOKRELAY, event_id = the hookrelay event id, event_time = its creation in unix seconds, event = the event data with "type": <event type> in front unless the data has its own type). Verify each request as Slack\'s SDKs do: compute `v0=` + hex HMAC-SHA256 of "v0:" + X-Slack-Request-Timestamp + ":" + the raw body, keyed with the signing secret, compare it with X-Slack-Signature in constant time, and refuse timestamps more than 5 minutes old (each retry carries a fresh timestamp and signature over the same body, and X-Slack-Retry-Num).';
