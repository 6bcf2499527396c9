import type { AuditContext } from "../audit/actor";
import { writeAuditSql } from "../audit/store";
import type { Delivery as DeliveryRow, DeliveryAttempt as AttemptRow } from "../generated/prisma/client";
import type { EnqueueDeliveries } from "../events/service";
import type { Clock } from "../lib/clock";
import { decodeTimeCursor, timePage } from "../lib/cursor";
import { conflict, notFound, unprocessable } from "../lib/errors";
import { isWellFormedId } from "../lib/ids";
import type { Db, Sql } from "../lib/prisma";
import { inTransaction } from "../lib/connection";
import { takeRetentionShareLock } from "../retention/lock";
import { restartDeliveries, toQueue } from "./restart";
import { dialectFor } from "../dialects/registry";
import { ownedWebhook } from "../webhooks/owned";
import type { AttemptDetailDto, AttemptDto, AttemptLogFilter, DeliveryDto } from "./schemas";
import { noMetrics, type Metrics } from "../metrics/metrics";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function attemptDto(a: AttemptRow): AttemptDto {
  return {
    id: a.id,
    deliveryId: a.deliveryId,
    eventId: a.eventId,
    eventType: a.eventType,
    attemptNumber: a.attemptNumber,
    isTest: a.isTest,
    success: a.success,
    requestUrl: a.requestUrl,
    requestHeaders: a.requestHeaders as Record<string, string>,
    statusCode: a.responseStatus,
    responseTimeMs: a.responseTimeMs,
    responseBody: a.responseBody,
    error: a.success ? null : { class: a.errorClass, message: a.errorMessage ?? "failed" },
    timestamp: a.startedAt.toISOString(),
  };
}

export function deliveryDto(d: DeliveryRow): DeliveryDto {
  return {
    id: d.id,
    webhookId: d.webhookId,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    isTest: d.isTest,
    attemptCount: d.attemptCount,
    nextAttemptAt: iso(d.nextAttemptAt),
    lastAttemptAt: iso(d.lastAttemptAt),
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    createdAt: d.createdAt.toISOString(),
  };
}

/** The log's order: newest first, ties by id (descending), as the keyset cursor expects. */
function newestFirst(a: AttemptRow, b: AttemptRow): number {
  return b.startedAt.getTime() - a.startedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

export function createDeliveriesService(deps: { db: Db; sql: Sql; clock: Clock; enqueue: EnqueueDeliveries; minSecretLength: number; metrics?: Metrics }) {
  const { db } = deps;

  async function loadDelivery(accountId: string, id: string) {
    const row = isWellFormedId(id, "dlv") ? await db.delivery.findFirst({ where: { id, accountId } }) : null;
    if (!row) throw notFound("delivery");
    return row;
  }

  return {
    /** The webhook's delivery log: one row per HTTP attempt, newest first. */
    async attemptLog(accountId: string, webhookId: string, f: AttemptLogFilter) {
      await ownedWebhook(db, accountId, webhookId);
      const after = decodeTimeCursor(f.cursor);
      const query = (success: boolean | undefined) =>
        db.deliveryAttempt.findMany({
          where: {
            webhookId,
            ...(f.eventType ? { eventType: f.eventType } : {}),
            ...(success !== undefined ? { success } : {}),
            startedAt: { ...(f.from ? { gte: new Date(f.from) } : {}), ...(f.to ? { lt: new Date(f.to) } : {}) },
            // Keyset pagination on (startedAt, id): stable while new attempts arrive.
            ...(after
              ? { OR: [{ startedAt: { lt: after.at } }, { startedAt: after.at, id: { lt: after.id } }] }
              : {}),
          },
          orderBy: [{ startedAt: "desc" }, { id: "desc" }],
          take: f.limit + 1,
        });
      const outcome = f.outcome ? f.outcome === "success" : undefined;
      // A type without an outcome: the (webhook, type, success, time) index read twice in order
      // and merged, exact, instead of a fourth index (see prisma/schema.prisma).
      const rows =
        f.eventType && outcome === undefined
          ? (await Promise.all([query(true), query(false)])).flat().sort(newestFirst).slice(0, f.limit + 1)
          : await query(outcome);
      const { page, nextCursor } = timePage(rows, f.limit, (a) => a.startedAt);
      return { data: page.map(attemptDto), nextCursor };
    },

    async get(accountId: string, id: string) {
      const row = await loadDelivery(accountId, id);
      const attempts = await db.deliveryAttempt.findMany({ where: { deliveryId: id }, orderBy: [{ attemptNumber: "asc" }, { startedAt: "asc" }] });
      return { ...deliveryDto(row), attempts: attempts.map(attemptDto) };
    },

    /**
     * One attempt as sent and as answered. The body is not stored per attempt (a copy per try
     * would double the log); the webhook's dialect renders it again from the stored event,
     * which gives the same bytes: rendering is deterministic, and a webhook's dialect never changes.
     */
    async attempt(accountId: string, id: string): Promise<AttemptDetailDto> {
      const row = isWellFormedId(id, "att") ? await db.deliveryAttempt.findFirst({ where: { id, accountId } }) : null;
      if (!row) throw notFound("attempt");
      const [event, webhook] = await Promise.all([
        db.event.findUniqueOrThrow({ where: { id: row.eventId }, select: { id: true, type: true, createdAt: true, data: true } }),
        db.webhook.findUniqueOrThrow({ where: { id: row.webhookId }, select: { dialect: true, dialectOptions: true } }),
      ]);
      const requestBody = dialectFor(webhook, deps.minSecretLength).render({ event, deliveryId: row.deliveryId });
      return { ...attemptDto(row), webhookId: row.webhookId, requestBody };
    },

    /** A new chain of attempts: same delivery id, same body, the retry schedule from the start. */
    async redeliver(accountId: string, id: string, audit: AuditContext): Promise<DeliveryDto> {
      const row = await loadDelivery(accountId, id);
      if (row.isTest) throw unprocessable("test_delivery", "test deliveries are sent once; send another test event instead");
      if (row.status === "pending") throw conflict("delivery_in_progress", "this delivery is still being attempted");
      const webhook = await db.webhook.findUnique({ where: { id: row.webhookId }, select: { status: true } });
      // A deleted webhook's log stays readable, but nothing is sent to it again.
      if (webhook?.status === "deleted") throw unprocessable("webhook_disabled", "the webhook is deleted; nothing is sent to it any more");
      if (webhook?.status !== "active") {
        throw unprocessable("webhook_disabled", "the webhook is disabled; enable it first (POST /v1/webhooks/:id/enable)");
      }
      const now = deps.clock.now();
      const [restarted] = await inTransaction(deps.sql, async (client) => {
        await takeRetentionShareLock(client);
        const done = await restartDeliveries(client, [id], now, { fromChain: row.chain });
        if (done.length === 0) throw conflict("delivery_in_progress", "this delivery was redelivered concurrently");
        await writeAuditSql(client, audit, {
          accountId,
          action: "delivery.redelivered",
          targetType: "delivery",
          targetId: id,
          changes: { status: { from: row.status, to: "pending" }, chain: { from: row.chain, to: done[0]!.chain } },
        });
        return done;
      });
      (deps.metrics ?? noMetrics).deliveriesCreated(1, "redeliver", accountId);
      try {
        await deps.enqueue(toQueue([restarted!], now));
      } catch {
        // Committed; the recovery sweep enqueues it.
      }
      return deliveryDto(await db.delivery.findUniqueOrThrow({ where: { id } }));
    },
  };
}

export type DeliveriesService = ReturnType<typeof createDeliveriesService>;
