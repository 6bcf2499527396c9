import { isoDate, rangeInOrder } from "../lib/iso-date";
import { z } from "../lib/zod";

export const Attempt = z
  .object({
    id: z.string(),
    deliveryId: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    attemptNumber: z.number().int(),
    isTest: z.boolean(),
    success: z.boolean(),
    requestUrl: z.string(),
    requestHeaders: z.record(z.string(), z.string()).openapi({ description: "As sent; signature headers masked." }),
    statusCode: z.number().int().nullable(),
    responseTimeMs: z.number().int(),
    responseBody: z.string().nullable().openapi({ description: "First bytes of the receiver's answer (capped)." }),
    error: z.object({ class: z.string().nullable(), message: z.string() }).nullable(),
    timestamp: z.string().datetime(),
  })
  .openapi("DeliveryAttempt");

export const AttemptList = z
  .object({ data: z.array(Attempt), nextCursor: z.string().nullable() })
  .openapi("DeliveryAttemptList");

export const Delivery = z
  .object({
    id: z.string(),
    webhookId: z.string(),
    eventId: z.string(),
    eventType: z.string(),
    status: z.enum(["pending", "succeeded", "failed", "skipped", "cancelled"]).openapi({
      description: "`skipped`: its webhook was disabled when it came due; `cancelled`: its webhook was deleted while it was pending. Neither was attempted (again).",
    }),
    isTest: z.boolean(),
    attemptCount: z.number().int(),
    nextAttemptAt: z.string().datetime().nullable(),
    lastAttemptAt: z.string().datetime().nullable(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.string().datetime(),
  })
  .openapi("Delivery");

export const DeliveryWithAttempts = Delivery.extend({ attempts: z.array(Attempt) }).openapi("DeliveryWithAttempts");


export const AttemptLogQuery = z
  .strictObject({
    eventType: z.string().max(100).optional(),
    outcome: z.enum(["success", "failure"]).optional(),
    from: isoDate.optional().openapi({ description: "Attempts at or after this time." }),
    to: isoDate.optional().openapi({ description: "Attempts before this time." }),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(300).optional(),
  })
  .refine(rangeInOrder, { message: "from must not be after to", path: ["from"] });

export const TestEventBody = z.strictObject({
  eventType: z.string().min(1).max(100).optional().openapi({ description: "Defaults to the webhook's first subscribed type." }),
});

export const TestEventResult = z
  .object({
    success: z.boolean(),
    statusCode: z.number().int().nullable(),
    responseTimeMs: z.number().int(),
    error: z.string().optional(),
    responseBody: z.string().optional(),
    deliveryId: z.string(),
    eventId: z.string(),
  })
  .openapi("TestEventResult");

export type AttemptDto = z.output<typeof Attempt>;
export type DeliveryDto = z.output<typeof Delivery>;
export type AttemptLogFilter = z.output<typeof AttemptLogQuery>;

export const AttemptDetail = Attempt.extend({
  webhookId: z.string(),
  requestBody: z.string().openapi({
    description: "The body exactly as sent, as text. Rendered again from the stored event by the webhook's dialect, which is deterministic: every attempt of a delivery sends the same bytes.",
  }),
}).openapi("DeliveryAttemptDetail");

export const AttemptIdParams = z.object({ id: z.string().max(64).openapi({ example: "att_01M832GA597X2JY5T2YQ0YH6J4" }) });

export const ProbeResult = z.object({
  statusCode: z.number().int().nullable(),
  responseTimeMs: z.number().int(),
  accepted: z.boolean().openapi({ description: "Answered 2xx." }),
  error: z.string().nullable(),
});

export const SignatureCheckResult = z
  .object({
    verdict: z.enum(["verifies", "accepts_bad_signature", "rejects_good_signature", "unreachable"]),
    message: z.string().openapi({ description: "The verdict in plain words." }),
    good: ProbeResult.openapi({ description: "The correctly signed request." }),
    bad: ProbeResult.openapi({ description: "The request signed with a wrong secret." }),
  })
  .openapi("SignatureCheck");

export type AttemptDetailDto = z.output<typeof AttemptDetail>;
export type ProbeResultDto = z.output<typeof ProbeResult>;
export type SignatureVerdict = z.output<typeof SignatureCheckResult>["verdict"];
