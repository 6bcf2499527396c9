import { EventTypeName } from "../event-types/schemas";
import { isoDate } from "../lib/iso-date";
import { z } from "../lib/zod";
import { Webhook } from "../webhooks/schemas";
import { REPLAYABLE_STATUSES } from "./policy";

const Status = z.enum(REPLAYABLE_STATUSES);

export const StartReplayBody = z
  .strictObject({
    since: isoDate.openapi({ description: "Replay deliveries of events created at or after this time (clamped to the account's retention window)." }),
    until: isoDate.optional().openapi({ description: "…and before this time; now when absent." }),
    statuses: z
      .union([z.array(Status).min(1).max(REPLAYABLE_STATUSES.length), z.literal("all")])
      .optional()
      .openapi({ description: '`["failed"]` when absent; `"all"`: every status but pending. Pending deliveries are being attempted already and are never taken.' }),
    eventTypes: z.array(EventTypeName).min(1).max(100).optional().openapi({ description: "Only events of these types; all types when absent." }),
    dryRun: z.boolean().optional().openapi({ description: "Only count what would be replayed; nothing is sent." }),
  })
  .refine((b) => b.until === undefined || Date.parse(b.since) < Date.parse(b.until), { message: "must be after since", path: ["until"] })
  .openapi("StartReplay");

export type StartReplayInput = z.output<typeof StartReplayBody>;

const Range = {
  since: z.string().datetime().openapi({ description: "The effective start: the one asked for, or the retention window's edge if that is later." }),
  until: z.string().datetime(),
  statuses: z.array(Status),
  eventTypes: z.array(z.string()).openapi({ description: "Empty: every type." }),
};

export const Replay = z
  .object({
    id: z.string().openapi({ example: "rpl_01JD2Z8Q3M4N5P6R7S8T9V0W1X" }),
    webhookId: z.string(),
    ...Range,
    status: z.enum(["running", "completed", "cancelled"]),
    matched: z.number().int().openapi({ description: "Deliveries that matched when it started." }),
    replayed: z.number().int().openapi({ description: "Deliveries restarted so far, each as a new chain of attempts (like redeliver). Lower than matched at the end if some were pending, or gone, by the time the replay reached them." }),
    createdAt: z.string().datetime(),
    updatedAt: z.string().datetime(),
    finishedAt: z.string().datetime().nullable(),
  })
  .openapi("Replay");

export type ReplayDto = z.output<typeof Replay>;

export const ReplayDryRun = z
  .object({ dryRun: z.literal(true), matched: z.number().int().openapi({ description: "Deliveries a replay with these parameters would restart now." }), ...Range })
  .openapi("ReplayDryRun");

export type ReplayDryRunDto = z.output<typeof ReplayDryRun>;

export const ReplayList = z
  .object({ data: z.array(Replay), nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last." }) })
  .openapi("ReplayList");

export const ListReplaysQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});

export const ReplayIdParams = z.object({ id: z.string().max(64).openapi({ example: "rpl_01JD2Z8Q3M4N5P6R7S8T9V0W1X" }) });

export const SkippedWhileDisabled = z
  .object({
    since: z.string().datetime().openapi({ description: "The creation time of the oldest event whose delivery was skipped while the webhook was off (before it was disabled: a delivery is skipped when its retry comes due while the webhook is off); when it was disabled if none was." }),
    until: z.string().datetime().openapi({ description: "When it was enabled again." }),
    count: z.number().int().openapi({ description: 'What POST /v1/webhooks/:id/replay with this since, until and `statuses: ["skipped"]` would replay.' }),
  })
  .openapi("SkippedWhileDisabled");

export type SkippedWhileDisabledDto = z.output<typeof SkippedWhileDisabled>;

export const EnabledWebhook = Webhook.extend({
  skippedWhileDisabled: SkippedWhileDisabled.nullable().openapi({ description: "Null when it was not disabled (enabling an active webhook only re-verifies it)." }),
}).openapi("EnabledWebhook");
