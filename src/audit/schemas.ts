import { isoDate, rangeInOrder } from "../lib/iso-date";
import { z } from "../lib/zod";

export const AUDIT_ACTIONS = [
  "webhook.created",
  "webhook.updated",
  "webhook.secret_rotated",
  "webhook.paused",
  "webhook.disabled",
  "webhook.enabled",
  "webhook.deleted",
  "event_type.created",
  "event_types.imported",
  "api_key.created",
  "api_key.revoked",
  "api_key.rotated",
  "portal_session.created",
  "portal_session.ended",
  "delivery.redelivered",
  "account.retention_changed",
  "replay.started",
  "replay.cancelled",
] as const;

export const ACTOR_TYPES = ["api_key", "admin", "portal_session", "system"] as const;
export const TARGET_TYPES = ["webhook", "event_type", "api_key", "portal_session", "delivery", "account"] as const;

export const ListAuditLogQuery = z
  .strictObject({
    accountId: z.string().max(64).optional().openapi({ description: "With the admin key: the account whose log to read (required). An account key reads its own." }),
    targetId: z.string().max(64).optional().openapi({ description: "Only entries about this target, e.g. a webhook id (`wh_…`)." }),
    action: z.enum(AUDIT_ACTIONS).optional().openapi({ description: "Only entries of this action." }),
    actorType: z.enum(ACTOR_TYPES).optional().openapi({ description: "Only changes made by this kind of actor." }),
    from: isoDate.optional().openapi({ description: "Entries at or after this time." }),
    to: isoDate.optional().openapi({ description: "Entries before this time." }),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(300).optional().openapi({ description: "`nextCursor` of the previous page." }),
  })
  .refine(rangeInOrder, { message: "from must not be after to", path: ["from"] });

const FieldChange = z
  .union([z.object({ from: z.unknown(), to: z.unknown() }), z.object({ changed: z.literal(true) })])
  .openapi("AuditFieldChange", { description: "A field's value before and after; a secret (token, signing secret, client key) only as `{changed: true}`." });

export const AuditEntry = z
  .object({
    id: z.string().openapi({ example: "aud_01JD2Z8Q3M4N5P6R7S8T9V0W1X" }),
    at: z.string().datetime(),
    action: z.enum(AUDIT_ACTIONS),
    target: z.object({ type: z.enum(TARGET_TYPES), id: z.string() }),
    actor: z.object({
      type: z.enum(ACTOR_TYPES),
      id: z.string().nullable().openapi({ description: "The API key's id (`key_…`) or the portal session's (`ps_…`); null for the admin and the system." }),
      name: z.string().nullable().openapi({ description: "The API key's name when the change was made; null otherwise." }),
    }),
    requestId: z.string().nullable().openapi({ description: "The X-Request-Id of the request that made the change; null for the system's own changes." }),
    changes: z
      .record(z.string(), z.union([FieldChange, z.unknown()]))
      .nullable()
      .openapi({ description: "What changed, by field: `{from, to}`, or `{changed: true}` for a secret; for a creation, what was created." }),
    reason: z.string().nullable().openapi({ description: "Why: a system disable's reason, a pause's note." }),
  })
  .openapi("AuditEntry");

export const AuditLogPage = z.object({ data: z.array(AuditEntry), nextCursor: z.string().nullable() }).openapi("AuditLogPage");

export type AuditLogFilter = z.output<typeof ListAuditLogQuery>;
export type AuditEntryDto = z.output<typeof AuditEntry>;
