import { randomBytes } from "node:crypto";
import type { HttpOutcome } from "../lib/outbound-http";
import { USER_AGENT } from "../lib/version";
import { renderEnvelope } from "../events/envelope";
import { challengeMismatch, HANDSHAKE_MAX_RESPONSE_BYTES, judgeTransport, type HandshakeResult, type HandshakeRunner } from "./handshake";
import { hmacHex } from "./meta";
import { printableSecretProblem, randomPrintableSecret } from "./secrets";
import type { Dialect, DialectContext } from "./types";

/**
 * Wappcloud (seed 002): one endpoint; GET `?challenge=` answered with JSON `{"challenge": …}`,
 * then POSTs carrying `X-Wappcloud-Event` and `X-Wappcloud-Signature: sha256=<hex HMAC-SHA256
 * of the body>`. The handshake does not involve the secret, so one can be generated.
 */
export function wappcloudDialect({ minSecretLength }: DialectContext): Dialect {
  return {
    name: "wappcloud",
    handshake: "wappcloud",
    render: ({ event }) => renderEnvelope(event),
    sign: ({ body, secrets, eventType }) => ({
      "x-wappcloud-event": eventType,
      "x-wappcloud-signature": `sha256=${hmacHex("sha256", secrets[0]!, body)}`,
    }),
    secretHeaders: ["x-wappcloud-signature"],
    multiSignature: false,
    secret: { generate: randomPrintableSecret, problem: (s) => printableSecretProblem(s, minSecretLength) },
  };
}

/**
 * A fresh challenge: 32 hex characters. Not purely numeric on purpose: the seed's example is
 * `abc123` and the answer must carry it back as a JSON string, so a receiver that turned it
 * into a number would be answering something else.
 */
export function newWappcloudChallenge(): string {
  return randomBytes(16).toString("hex");
}

/** The registered URL with `challenge=` added; an existing `challenge` parameter is replaced. */
export function wappcloudChallengeUrl(url: string, challenge: string): string {
  const target = new URL(url);
  if (target.searchParams.has("challenge")) {
    target.searchParams.set("challenge", challenge);
    return target.toString();
  }
  // Appended to the query as registered, byte for byte: receivers that check their own URL
  // strictly must see it unchanged.
  const extra = new URLSearchParams({ challenge }).toString();
  target.search = target.search ? `${target.search}&${extra}` : `?${extra}`;
  return target.toString();
}

/**
 * Verified only by a 2xx whose body parses as a JSON object with `challenge` equal to the one
 * sent, as a string. The Content-Type is not checked (a receiver writing the JSON text by hand
 * still proves control) and other keys are tolerated; a plain-text echo, a quoted string or
 * a number is not JSON `{"challenge": …}` and fails, as it would with Wappcloud.
 */
export function judgeWappcloudChallenge(challenge: string, outcome: HttpOutcome): HandshakeResult {
  const failed = judgeTransport(outcome, 'JSON {"challenge": "<the challenge query parameter>"}');
  if (failed) return failed;
  const answered = outcome as HttpOutcome & { kind: "response" };
  return answeredChallenge(answered.body) === challenge
    ? { verified: true, elapsedMs: answered.elapsedMs }
    : challengeMismatch(answered, `JSON ${JSON.stringify({ challenge })}`);
}

function answeredChallenge(body: string): unknown {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>).challenge : undefined;
  } catch {
    return undefined;
  }
}

export const wappcloudChallenge: HandshakeRunner = async (deps, { url }) => {
  const challenge = newWappcloudChallenge();
  const outcome = await deps.http.exchange({
    method: "GET",
    url: wappcloudChallengeUrl(url, challenge),
    headers: { "user-agent": USER_AGENT, accept: "application/json" },
    timeoutMs: deps.timeoutMs,
    maxResponseBytes: HANDSHAKE_MAX_RESPONSE_BYTES,
  });
  return judgeWappcloudChallenge(challenge, outcome);
};

/** What a receiver must do to verify this dialect (README and OpenAPI). */
export const wappcloudGuide =
  'wappcloud: answer GET ?challenge=<value> on the webhook URL with 200 and the JSON body {"challenge": "<value>"} (the same string); verify each POST by comparing X-Wappcloud-Signature with `sha256=` + hex HMAC-SHA256 of the raw body keyed with the webhook secret, in constant time, and read the event type from X-Wappcloud-Event. The body is {"id","type","createdAt","data"}.';
