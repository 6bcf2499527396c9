import type { Webhook } from "../generated/prisma/client";
import { notFound } from "../lib/errors";
import { isWellFormedId } from "../lib/ids";
import type { Db } from "../lib/prisma";

/**
 * One of the account's webhooks, deleted ones included (their log stays readable by id);
 * another account's is reported exactly like a missing one.
 */
export async function ownedWebhook(db: Db, accountId: string, id: string): Promise<Webhook> {
  const row = isWellFormedId(id, "wh") ? await db.webhook.findFirst({ where: { id, accountId } }) : null;
  if (!row) throw notFound("webhook");
  return row;
}

/** One of the account's webhooks that is not deleted: what a write or a send needs. A deleted one is a 404 for them. */
export async function liveWebhook(db: Db, accountId: string, id: string): Promise<Webhook> {
  const row = await ownedWebhook(db, accountId, id);
  if (row.status === "deleted") throw notFound("webhook");
  return row;
}
