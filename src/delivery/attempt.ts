import { dialectFor } from "../dialects/registry";
import { signingSecrets } from "../dialects/secrets";
import type { Dialect } from "../dialects/types";
import type { Clock } from "../lib/clock";
import { newId } from "../lib/ids";
import type { HttpOutcome, OutboundHttp } from "../lib/outbound-http";
import type { Sql } from "../lib/prisma";
import { USER_AGENT } from "../lib/version";
import { describeFailure, isSuccess } from "./retry-policy";
import type { SecretBox } from "../lib/secret-box";
import { insertAttempt, type AttemptRow } from "./delivery-store";
import { maskHeaders } from "./mask-headers";
import type { ClientIdentity } from "../egress/client-identities";

/** Everything one HTTP try needs, loaded by the caller. */
export interface AttemptTarget {
  delivery: { id: string; accountId: string; webhookId: string; eventType: string; isTest: boolean };
  event: { id: string; type: string; createdAt: Date; data: string };
  url: string;
  dialect: Dialect;
  /** What signs this attempt (two during a rotation, where the dialect allows). */
  secrets: string[];
  /** 1-based over the delivery's whole life. */
  attemptNumber: number;
  /** Sent besides the usual headers (the signature check marks its probes so). */
  extraHeaders?: Record<string, string>;
  /** The client certificate the webhook presents (mutual TLS), when it has one. */
  clientIdentity?: ClientIdentity;
}

/** The webhook columns an attempt needs to speak its dialect. */
export interface WebhookSigning {
  dialect: string;
  dialectOptions: unknown;
  verifyTokenCipher: string;
  previousSecretCipher: string | null;
  previousSecretExpiresAt: Date | null;
}

/** The dialect and the secrets that sign now, from a stored webhook. */
export function signingFor(w: WebhookSigning, deps: { secretBox: SecretBox; minSecretLength: number; now: Date }) {
  const dialect = dialectFor(w, deps.minSecretLength);
  const secrets = signingSecrets(
    {
      current: deps.secretBox.open(w.verifyTokenCipher),
      previous: w.previousSecretCipher ? deps.secretBox.open(w.previousSecretCipher) : null,
      previousExpiresAt: w.previousSecretExpiresAt,
    },
    deps.now,
    dialect.multiSignature,
  );
  return { dialect, secrets };
}

export interface AttemptDeps {
  http: OutboundHttp;
  clock: Clock;
  timeoutMs: number;
  responseBodyMaxBytes: number;
}

export interface AttemptRecord {
  outcome: HttpOutcome;
  success: boolean;
  startedAt: Date;
  /** The attempt-log row, for the caller to write with whatever else it settles. */
  row: AttemptRow;
}

/** Renders, signs and POSTs the delivery in its dialect, and logs the attempt as sent and as answered. */
export async function makeAttempt(deps: AttemptDeps & { sql: Sql }, t: AttemptTarget): Promise<AttemptRecord> {
  const record = await sendAttempt(deps, t);
  await insertAttempt(deps.sql, record.row);
  return record;
}

/** Renders, signs and POSTs the delivery in its dialect; the log row is returned, not written. */
export async function sendAttempt(deps: AttemptDeps, t: AttemptTarget): Promise<AttemptRecord> {
  const startedAt = deps.clock.now();
  const body = t.dialect.render({ event: t.event, deliveryId: t.delivery.id });
  const headers = {
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    "x-webhook-event": t.event.type,
    "x-webhook-id": t.delivery.id,
    "x-webhook-attempt": String(t.attemptNumber),
    ...t.extraHeaders,
    ...t.dialect.sign({
      body,
      secrets: t.secrets,
      eventType: t.event.type,
      deliveryId: t.delivery.id,
      attempt: t.attemptNumber,
      now: startedAt,
    }),
  };
  const outcome = await deps.http.exchange({
    method: "POST",
    url: t.url,
    headers,
    body,
    timeoutMs: deps.timeoutMs,
    maxResponseBytes: deps.responseBodyMaxBytes,
    clientIdentity: t.clientIdentity,
  });
  const success = isSuccess(outcome);
  const row: AttemptRow = {
    id: newId("att", startedAt.getTime()),
    deliveryId: t.delivery.id,
    webhookId: t.delivery.webhookId,
    accountId: t.delivery.accountId,
    eventId: t.event.id,
    eventType: t.event.type,
    attemptNumber: t.attemptNumber,
    isTest: t.delivery.isTest,
    success,
    requestUrl: t.url,
    requestHeaders: maskHeaders(headers, t.dialect.secretHeaders),
    responseStatus: outcome.kind === "response" ? outcome.status : null,
    responseTimeMs: outcome.elapsedMs,
    responseBody: outcome.kind === "response" ? stripNul(outcome.body) : null,
    errorClass: outcome.kind === "response" ? null : outcome.kind === "timeout" ? "timeout" : outcome.errorClass,
    errorMessage: success ? null : describeFailure(outcome),
    startedAt,
  };
  return { outcome, success, startedAt, row };
}

/** Postgres text cannot hold NUL; a receiver may still send one. */
function stripNul(text: string): string {
  return text.includes("\u0000") ? text.replaceAll("\u0000", "") : text;
}
