import { decodeTimeCursor, timePage } from "../lib/cursor";
import type { Db } from "../lib/prisma";
import { ownedWebhook } from "../webhooks/owned";
import type { OperationalEventType } from "./payloads";

export interface NoticePageRequest {
  limit: number;
  cursor?: string;
}

export interface NoticeDto {
  id: string;
  type: OperationalEventType;
  createdAt: string;
  /** The event's payload exactly as it went out (payloads.ts), parsed from its stored text. */
  data: unknown;
}

/**
 * The operational events about one of an account's webhooks, newest first: what the portal's
 * webhook page shows as its recent notices. Only reads. Keyset pages on (createdAt, eventId)
 * over the (webhook_id, created_at DESC) index, like the events list and the delivery log.
 */
export function createNoticeLog(deps: { db: Db }) {
  const { db } = deps;
  return {
    async list(accountId: string, webhookId: string, req: NoticePageRequest): Promise<{ data: NoticeDto[]; nextCursor: string | null }> {
      // Another account's webhook is reported as missing, before anything is read about it.
      await ownedWebhook(db, accountId, webhookId);
      const after = decodeTimeCursor(req.cursor);
      const rows = await db.operationalEvent.findMany({
        where: {
          webhookId,
          accountId,
          ...(after ? { OR: [{ createdAt: { lt: after.at } }, { createdAt: after.at, eventId: { lt: after.id } }] } : {}),
        },
        select: { eventId: true, type: true, createdAt: true },
        orderBy: [{ createdAt: "desc" }, { eventId: "desc" }],
        take: req.limit + 1,
      });
      const { page, nextCursor } = timePage(
        rows.map((r) => ({ ...r, id: r.eventId })),
        req.limit,
        (r) => r.createdAt,
      );
      // No relation to events (partitioned apart, see prisma/schema.prisma): their payloads by id, one query.
      const events = await db.event.findMany({ where: { id: { in: page.map((r) => r.id) } }, select: { id: true, data: true } });
      const dataOf = new Map(events.map((e) => [e.id, e.data]));
      return {
        // A notice whose event retention has just dropped goes in the same pass (src/retention/); meanwhile it is not shown.
        data: page.flatMap((r) => {
          const data = dataOf.get(r.id);
          if (data === undefined) return [];
          // Written only by src/operational/ with one of OPERATIONAL_EVENT_TYPES.
          return [{ id: r.id, type: r.type as OperationalEventType, createdAt: r.createdAt.toISOString(), data: JSON.parse(data) as unknown }];
        }),
        nextCursor,
      };
    },
  };
}

export type NoticeLog = ReturnType<typeof createNoticeLog>;
