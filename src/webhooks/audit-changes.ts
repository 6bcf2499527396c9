import { changedFields, type Changes } from "../audit/changes";
import type { Webhook as WebhookRow } from "../generated/prisma/client";

/**
 * Fields of a webhook whose values the audit log must never hold: the verify token (the signing
 * secret) and a client certificate's private key. They are recorded as `{ changed: true }`.
 */
export const SECRET_WEBHOOK_FIELDS = ["verifyToken", "secret", "clientKey"] as const;

/** What a new webhook was made with, as the audit log keeps it: its public fields. */
export function createdFields(row: WebhookRow): Changes {
  return changedFields(
    {},
    {
      url: row.url,
      description: row.description,
      eventTypes: row.eventTypes,
      dialect: row.dialect,
      ...(row.clientCertificate ? { clientCertificate: row.clientCertificate } : {}),
    },
    // Public, but long: that one was given is what the log needs.
    { secret: ["clientCertificate"] },
  );
}

/**
 * What a PATCH changes, field by field, from the row before it. A secret field counts as
 * changed when the new value differs from the old (opened only to compare, never kept); the
 * client certificate is public but long, so only that it changed is recorded.
 */
export function webhookChanges(row: WebhookRow, patch: Record<string, unknown>, open: (cipher: string) => string): Changes {
  const given = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  const before: Record<string, unknown> = {
    url: row.url,
    description: row.description,
    eventTypes: row.eventTypes,
  };
  if ("verifyToken" in given) before.verifyToken = open(row.verifyTokenCipher);
  if ("clientCertificate" in given) before.clientCertificate = row.clientCertificate;
  const { clientKey, ...compared } = given;
  const changes = changedFields(before, compared, { secret: [...SECRET_WEBHOOK_FIELDS, "clientCertificate"] });
  // A client key comes only with a certificate: recorded as changed whenever one is given.
  if (clientKey !== undefined) changes.clientKey = { changed: true };
  return changes;
}
