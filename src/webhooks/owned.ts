import type { Webhook } from "../generated/prisma/client";
import { notFound } from "../lib/errors";
import { isWellFormedId } from "../lib/ids";
import type { Db } from "../lib/prisma";

/** One of the account's webhooks; another account's is reported exactly like a missing one. */
export async function ownedWebhook(db: Db, accountId: string, id: string): Promise<Webhook> {
  const row = isWellFormedId(id, "wh") ? await db.webhook.findFirst({ where: { id, accountId } }) : null;
  if (!row) throw notFound("webhook");
  return row;
}
