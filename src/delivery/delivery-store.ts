import { Prisma } from "../generated/prisma/client";
import type { Db } from "../lib/prisma";

/**
 * The delivery hot path's SQL, written out. Every attempt runs these few statements, and as
 * raw SQL they skip Prisma's per-query compilation, which the benchmark showed to be most of
 * the worker's CPU (`npm run bench -- --profile`). Cold paths keep the Prisma client.
 */
export interface DeliveryForAttempt {
  id: string;
  accountId: string;
  webhookId: string;
  eventType: string;
  status: "pending" | "succeeded" | "failed" | "skipped";
  isTest: boolean;
  attemptCount: number;
  chain: number;
  chainAttempts: number;
  event: { id: string; type: string; createdAt: Date; data: string };
  webhook: {
    url: string;
    status: "active" | "disabled";
    disabledReason: string | null;
    dialect: string;
    dialectOptions: unknown;
    verifyTokenCipher: string;
    previousSecretCipher: string | null;
    previousSecretExpiresAt: Date | null;
  };
}

interface Row {
  id: string;
  account_id: string;
  webhook_id: string;
  event_type: string;
  status: DeliveryForAttempt["status"];
  is_test: boolean;
  attempt_count: number;
  chain: number;
  chain_attempts: number;
  event_id: string;
  e_type: string;
  e_created_at: Date;
  e_data: string;
  url: string;
  w_status: "active" | "disabled";
  disabled_reason: string | null;
  dialect: string;
  dialect_options: unknown;
  verify_token_cipher: string;
  previous_secret_cipher: string | null;
  previous_secret_expires_at: Date | null;
}

export async function loadForAttempt(db: Db, deliveryId: string): Promise<DeliveryForAttempt | null> {
  const [r] = await db.$queryRaw<Row[]>`
    SELECT d.id, d.account_id, d.webhook_id, d.event_type, d.status::text AS status, d.is_test,
           d.attempt_count, d.chain, d.chain_attempts,
           e.id AS event_id, e.type AS e_type, e.created_at AS e_created_at, e.data AS e_data,
           w.url, w.status::text AS w_status, w.disabled_reason, w.dialect, w.dialect_options,
           w.verify_token_cipher, w.previous_secret_cipher, w.previous_secret_expires_at
      FROM deliveries d
      JOIN events e ON e.id = d.event_id
      JOIN webhooks w ON w.id = d.webhook_id
     WHERE d.id = ${deliveryId}`;
  if (!r) return null;
  return {
    id: r.id,
    accountId: r.account_id,
    webhookId: r.webhook_id,
    eventType: r.event_type,
    status: r.status,
    isTest: r.is_test,
    attemptCount: r.attempt_count,
    chain: r.chain,
    chainAttempts: r.chain_attempts,
    event: { id: r.event_id, type: r.e_type, createdAt: r.e_created_at, data: r.e_data },
    webhook: {
      url: r.url,
      status: r.w_status,
      disabledReason: r.disabled_reason,
      dialect: r.dialect,
      dialectOptions: r.dialect_options,
      verifyTokenCipher: r.verify_token_cipher,
      previousSecretCipher: r.previous_secret_cipher,
      previousSecretExpiresAt: r.previous_secret_expires_at,
    },
  };
}

export interface AttemptRow {
  id: string;
  deliveryId: string;
  webhookId: string;
  accountId: string;
  eventId: string;
  eventType: string;
  attemptNumber: number;
  isTest: boolean;
  success: boolean;
  requestUrl: string;
  requestHeaders: Record<string, string>;
  responseStatus: number | null;
  responseTimeMs: number;
  responseBody: string | null;
  errorClass: string | null;
  errorMessage: string | null;
  startedAt: Date;
}

export async function insertAttempt(db: Db, a: AttemptRow): Promise<void> {
  await db.$executeRaw`${attemptInsert(a)}`;
}

export interface Settlement {
  deliveryId: string;
  chain: number;
  attemptCount: number;
  chainAttempts: number;
  at: Date;
  statusCode: number | null;
  lastError: string | null;
  status: "pending" | "succeeded" | "failed";
  nextAttemptAt: Date | null;
}

export interface WebhookFailureState {
  status: "active" | "disabled";
  consecutiveFailures: number;
  failingSince: Date | null;
}

/**
 * Everything an attempt changes, in ONE statement (so one round trip, and all of it or none):
 * the attempt-log row; the delivery, only if still pending in this chain (a redelivery may own
 * it now); the webhook's counters. A success resets the failure run, writing the hot webhook
 * row only when something changes or its last-success time is more than a few seconds stale.
 */
export async function recordSuccess(db: Db, webhookId: string, a: AttemptRow, s: Settlement): Promise<void> {
  const stale = new Date(s.at.getTime() - 10_000);
  await db.$executeRaw`
    WITH attempt AS (${attemptInsert(a)}),
         webhook AS (
           UPDATE webhooks
              SET consecutive_failures = 0, failing_since = NULL, last_success_at = ${s.at}, updated_at = ${s.at}
            WHERE id = ${webhookId}
              AND (consecutive_failures > 0 OR last_success_at IS NULL OR last_success_at < ${stale})
           RETURNING id)
    ${deliveryUpdate(s)}`;
}

/**
 * A failed attempt, in two steps so that the failure tracker can decide in between: first the
 * attempt-log row and one more in the webhook's run of failures (its counters come back)…
 */
export async function recordFailure(db: Db, webhookId: string, a: AttemptRow, at: Date): Promise<WebhookFailureState | null> {
  const [state] = await db.$queryRaw<{ status: "active" | "disabled"; consecutive_failures: number; failing_since: Date | null }[]>`
    WITH attempt AS (${attemptInsert(a)})
    UPDATE webhooks
       SET consecutive_failures = consecutive_failures + 1,
           failing_since = COALESCE(failing_since, ${at}),
           last_failure_at = ${at}
     WHERE id = ${webhookId}
 RETURNING status::text AS status, consecutive_failures, failing_since`;
  return state ? { status: state.status, consecutiveFailures: state.consecutive_failures, failingSince: state.failing_since } : null;
}

/**
 * …then the delivery, together with disabling the webhook when the tracker said so: once a
 * delivery reads as settled, its webhook's status already says what happened.
 */
export async function settleFailure(db: Db, webhookId: string, s: Settlement, disableReason: string | null): Promise<void> {
  if (disableReason === null) {
    await db.$executeRaw`${deliveryUpdate(s)}`;
    return;
  }
  await db.$executeRaw`
    WITH webhook AS (
      UPDATE webhooks
         SET status = 'disabled'::webhook_status, disabled_reason = ${disableReason}, disabled_at = ${s.at}, updated_at = ${s.at}
       WHERE id = ${webhookId} AND status = 'active'
      RETURNING id)
    ${deliveryUpdate(s)}`;
}

function attemptInsert(a: AttemptRow) {
  return Prisma.sql`
    INSERT INTO delivery_attempts
      (id, delivery_id, webhook_id, account_id, event_id, event_type, attempt_number, is_test, success,
       request_url, request_headers, response_status, response_time_ms, response_body, error_class, error_message, started_at)
    VALUES
      (${a.id}, ${a.deliveryId}, ${a.webhookId}, ${a.accountId}, ${a.eventId}, ${a.eventType}, ${a.attemptNumber}, ${a.isTest}, ${a.success},
       ${a.requestUrl}, ${JSON.stringify(a.requestHeaders)}::jsonb, ${a.responseStatus}, ${a.responseTimeMs}, ${a.responseBody},
       ${a.errorClass}, ${a.errorMessage}, ${a.startedAt})`;
}

function deliveryUpdate(s: Settlement) {
  return Prisma.sql`
    UPDATE deliveries
       SET attempt_count = ${s.attemptCount}, chain_attempts = ${s.chainAttempts}, last_attempt_at = ${s.at},
           last_status_code = ${s.statusCode}, last_error = ${s.lastError}, status = ${s.status}::delivery_status,
           next_attempt_at = ${s.nextAttemptAt}, updated_at = ${s.at}
     WHERE id = ${s.deliveryId} AND chain = ${s.chain} AND status = 'pending'`;
}
