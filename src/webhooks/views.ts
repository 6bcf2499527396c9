import { disabledReasonCode } from "../health/failure-tracker";
import { webhookHealth } from "../health/webhook-health";
import type { Clock } from "../lib/clock";
import type { Db } from "../lib/prisma";
import type { Webhook as WebhookRow } from "../generated/prisma/client";
import type { DialectName } from "../dialects/types";
import type { WebhookDto } from "./schemas";
import { clientCertificateInfo } from "./client-certificate";

/** How a webhook row is shown: its JSON, and the last error of one that is failing. */
export function createWebhookViews(deps: { db: Db; clock: Clock; failureWarningThreshold: number }) {
  const { db, clock } = deps;
  const toDto = (row: WebhookRow, lastError: string | null = null): WebhookDto => ({
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.eventTypes,
    status: row.status,
    health: webhookHealth(row.status, row.consecutiveFailures, deps.failureWarningThreshold),
    disabledReason: row.disabledReason,
    disabledReasonCode: row.status === "disabled" ? disabledReasonCode(row.disabledReason) : null,
    disabledAt: iso(row.disabledAt),
    deletedAt: iso(row.deletedAt),
    verifiedAt: iso(row.verifiedAt),
    consecutiveFailures: row.consecutiveFailures,
    failingSince: iso(row.failingSince),
    lastError: row.consecutiveFailures > 0 ? lastError : null,
    lastSuccessAt: iso(row.lastSuccessAt),
    lastFailureAt: iso(row.lastFailureAt),
    verifyTokenHint: row.verifyTokenHint,
    dialect: row.dialect as DialectName,
    dialectOptions: (row.dialectOptions as Record<string, unknown> | null) ?? null,
    previousSecretExpiresAt: row.previousSecretExpiresAt && row.previousSecretExpiresAt > clock.now() ? row.previousSecretExpiresAt.toISOString() : null,
    clientCertificate: clientCertificateInfo(row.clientCertificate),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  });

  /**
   * What the latest failed attempt of each failing webhook got, for the dashboard's warning.
   * Read from the attempt log (one indexed probe per failing webhook of the page) rather than
   * kept on the webhook row: the hot failure path then writes nothing more.
   */
  async function withLastErrors(rows: WebhookRow[]): Promise<WebhookDto[]> {
    const failing = rows.filter((r) => r.consecutiveFailures > 0).map((r) => r.id);
    const errors = new Map<string, string>();
    if (failing.length > 0) {
      const found = await db.$queryRaw<{ webhook_id: string; error_message: string | null }[]>`
        SELECT w.id AS webhook_id, a.error_message
          FROM unnest(${failing}::text[]) AS w(id)
          CROSS JOIN LATERAL (
            SELECT error_message FROM delivery_attempts
             WHERE webhook_id = w.id AND success = false
             ORDER BY started_at DESC LIMIT 1
          ) a`;
      for (const f of found) if (f.error_message) errors.set(f.webhook_id, f.error_message);
    }
    return rows.map((r) => toDto(r, errors.get(r.id) ?? null));
  }
  const oneWithLastError = async (row: WebhookRow) => (await withLastErrors([row]))[0]!;

  return { toDto, withLastErrors, oneWithLastError };
}

function iso(d: Date | null): string | null {
  return d ? d.toISOString() : null;
}
