import { randomInt } from "node:crypto";
import type { RefusalReason } from "../egress/address-policy";
import type { HttpOutcome, OutboundHttp } from "../lib/outbound-http";
import type { ClientIdentity } from "../egress/client-identities";
import type { Clock } from "../lib/clock";
import type { HandshakeStyle } from "./types";
import { USER_AGENT } from "../lib/version";

/**
 * Proving that whoever registers a URL controls it. Each dialect names a handshake style;
 * `createOwnershipCheck` runs the right one. The judging of an answer is pure, per style.
 */
export interface OwnershipTarget {
  url: string;
  secret: string;
  style: HandshakeStyle;
  /** The client certificate the webhook presents (mutual TLS): its receiver may demand it for the handshake too. */
  clientIdentity?: ClientIdentity;
}

export type HandshakeFailureReason = "timeout" | "unreachable" | "destination_refused" | "redirect" | "http_status" | "challenge_mismatch";

export type HandshakeResult =
  | { verified: true; elapsedMs: number }
  | {
      verified: false;
      reason: HandshakeFailureReason;
      /** What the endpoint answered, in words a customer can act on. */
      message: string;
      status?: number;
      bodySnippet?: string;
      error?: string;
      /** For destination_refused: the refused address and which kind of range it is in. */
      address?: string;
      addressKind?: RefusalReason;
      elapsedMs: number;
    };

export type OwnershipCheck = (target: OwnershipTarget) => Promise<HandshakeResult>;

/** One handshake style, given the network and the target. */
export type HandshakeRunner = (deps: HandshakeDeps, target: { url: string; secret: string }) => Promise<HandshakeResult>;

/** Bytes of the endpoint's answer that are read; a challenge echo is tiny. */
export const HANDSHAKE_MAX_RESPONSE_BYTES = 4 * 1024;
const SNIPPET_CHARS = 200;

/**
 * A fresh challenge: 15 decimal digits, first one non-zero. Meta's challenges are numeric and
 * many receivers echo `int(challenge)`, so ours must survive that round trip, also through a
 * JavaScript number (2^53 > 10^15).
 */
export function newChallenge(): string {
  return String(randomInt(1, 10)) + Array.from({ length: 14 }, () => randomInt(0, 10)).join("");
}

/** The Meta / Orki handshake: GET with hub.mode, hub.verify_token and hub.challenge. */
export function metaHubChallengeRequestUrl(url: string, verifyToken: string, challenge: string): string {
  const target = new URL(url);
  const hub = { "hub.mode": "subscribe", "hub.verify_token": verifyToken, "hub.challenge": challenge };
  if ([...target.searchParams.keys()].some((k) => k.startsWith("hub."))) {
    for (const [k, v] of Object.entries(hub)) target.searchParams.set(k, v);
    return target.toString();
  }
  // Appended to the query as registered, byte for byte: receivers that check their own URL
  // strictly must see it unchanged.
  const extra = new URLSearchParams(hub).toString();
  target.search = target.search ? `${target.search}&${extra}` : `?${extra}`;
  return target.toString();
}

export type HandshakeFailure = Extract<HandshakeResult, { verified: false }>;

/**
 * The failures every handshake style shares: no answer in time, no connection, a destination
 * the egress policy refuses (nothing was sent), a redirect (never followed), a non-2xx status.
 * Null when the endpoint answered 2xx and the body is left for the style to judge. `expected`
 * says, for the message, what a 2xx should carry.
 */
export function judgeTransport(outcome: HttpOutcome, expected: string): HandshakeFailure | null {
  const elapsedMs = outcome.elapsedMs;
  switch (outcome.kind) {
    case "timeout":
      return {
        verified: false,
        reason: "timeout",
        message: `the endpoint did not answer within ${outcome.timeoutMs} ms`,
        elapsedMs,
      };
    case "network":
      return {
        verified: false,
        reason: "unreachable",
        message: `could not reach the endpoint: ${outcome.errorClass} (${outcome.message})`,
        error: outcome.errorClass,
        elapsedMs,
      };
    case "refused":
      return {
        verified: false,
        reason: "destination_refused",
        message: `${outcome.message}; register a URL whose host resolves only to public addresses`,
        error: outcome.errorClass,
        address: outcome.address,
        addressKind: outcome.reason,
        elapsedMs,
      };
    case "response": {
      const bodySnippet = snippet(outcome.body);
      const seen = { status: outcome.status, bodySnippet, elapsedMs };
      if (outcome.status >= 300 && outcome.status < 400) {
        const location = outcome.headers["location"];
        return {
          verified: false,
          reason: "redirect",
          message: `the endpoint answered ${outcome.status}${location ? ` redirecting to ${location}` : ""}; redirects are not followed, register the final URL`,
          ...seen,
        };
      }
      if (outcome.status < 200 || outcome.status >= 300) {
        return {
          verified: false,
          reason: "http_status",
          message: `the endpoint answered ${outcome.status}${bodySnippet ? ` with body ${JSON.stringify(bodySnippet)}` : ""}; it must answer 2xx with ${expected}`,
          ...seen,
        };
      }
      return null;
    }
  }
}

/** A 2xx whose body is not what the handshake asked for. */
export function challengeMismatch(outcome: HttpOutcome & { kind: "response" }, expected: string): HandshakeFailure {
  const bodySnippet = snippet(outcome.body);
  return {
    verified: false,
    reason: "challenge_mismatch",
    message: `the endpoint answered ${outcome.status} with body ${JSON.stringify(bodySnippet)}, not ${expected}`,
    status: outcome.status,
    bodySnippet,
    elapsedMs: outcome.elapsedMs,
  };
}

/**
 * Verified only by a 2xx whose body is exactly the challenge (surrounding whitespace
 * tolerated: some frameworks append a newline). Anything else fails, with what was answered.
 */
export function judgeChallengeEcho(challenge: string, outcome: HttpOutcome): HandshakeResult {
  const expected = `the hub.challenge value ${JSON.stringify(challenge)}`;
  const failed = judgeTransport(outcome, "the hub.challenge value");
  if (failed) return failed;
  const answered = outcome as HttpOutcome & { kind: "response" };
  return answered.body.trim() === challenge ? { verified: true, elapsedMs: answered.elapsedMs } : challengeMismatch(answered, expected);
}

function snippet(body: string): string {
  const chars = Array.from(body.slice(0, SNIPPET_CHARS * 2));
  return chars.length > SNIPPET_CHARS ? `${chars.slice(0, SNIPPET_CHARS).join("")}…` : body;
}

export interface HandshakeDeps {
  http: OutboundHttp;
  timeoutMs: number;
  /** For handshakes that are signed with a timestamp (Slack). */
  clock: Clock;
}

export const metaHubChallenge: HandshakeRunner = async (deps, { url, secret }) => {
  const challenge = newChallenge();
  const outcome = await deps.http.exchange({
    method: "GET",
    url: metaHubChallengeRequestUrl(url, secret, challenge),
    headers: { "user-agent": USER_AGENT, accept: "text/plain, */*" },
    timeoutMs: deps.timeoutMs,
    maxResponseBytes: HANDSHAKE_MAX_RESPONSE_BYTES,
  });
  return judgeChallengeEcho(challenge, outcome);
};

