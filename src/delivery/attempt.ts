import { renderEnvelope } from "../events/envelope";
import type { Clock } from "../lib/clock";
import { newId } from "../lib/ids";
import type { HttpOutcome, OutboundHttp } from "../lib/outbound-http";
import type { Db } from "../lib/prisma";
import { USER_AGENT } from "../lib/version";
import { describeFailure, isSuccess } from "./retry-policy";
import { maskHeaders, type Signer } from "./signer";

/** Everything one HTTP try needs, loaded by the caller. */
export interface AttemptTarget {
  delivery: { id: string; accountId: string; webhookId: string; eventType: string; isTest: boolean };
  event: { id: string; type: string; createdAt: Date; data: string };
  url: string;
  secret: string;
  /** 1-based over the delivery's whole life. */
  attemptNumber: number;
}

export interface AttemptDeps {
  db: Db;
  http: OutboundHttp;
  clock: Clock;
  signer: Signer;
  timeoutMs: number;
  responseBodyMaxBytes: number;
}

export interface AttemptRecord {
  outcome: HttpOutcome;
  success: boolean;
  startedAt: Date;
}

/** Signs and POSTs the delivery, then logs the attempt as sent and as answered. */
export async function makeAttempt(deps: AttemptDeps, t: AttemptTarget): Promise<AttemptRecord> {
  const startedAt = deps.clock.now();
  const body = renderEnvelope(t.event);
  const headers = {
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    "x-webhook-event": t.event.type,
    "x-webhook-id": t.delivery.id,
    "x-webhook-attempt": String(t.attemptNumber),
    ...deps.signer.headers({
      body,
      secret: t.secret,
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
  });
  const success = isSuccess(outcome);
  await deps.db.deliveryAttempt.create({
    data: {
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
      requestHeaders: maskHeaders(headers, deps.signer.secretHeaders),
      responseStatus: outcome.kind === "response" ? outcome.status : null,
      responseTimeMs: outcome.elapsedMs,
      responseBody: outcome.kind === "response" ? stripNul(outcome.body) : null,
      errorClass: outcome.kind === "response" ? null : outcome.kind === "timeout" ? "timeout" : outcome.errorClass,
      errorMessage: success ? null : describeFailure(outcome),
      startedAt,
    },
  });
  return { outcome, success, startedAt };
}

/** Postgres text cannot hold NUL; a receiver may still send one. */
function stripNul(text: string): string {
  return text.includes("\u0000") ? text.replaceAll("\u0000", "") : text;
}
