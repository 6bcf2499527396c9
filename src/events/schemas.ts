import { Delivery } from "../delivery/schemas";
import { isoDate, rangeInOrder } from "../lib/iso-date";
import { z } from "../lib/zod";

const Data = z
  .record(z.string(), z.unknown())
  .openapi({ description: "The event's payload: any JSON object. Delivered byte for byte inside the envelope's `data`.", example: { chatId: "chat_81a04b", status: "closed" } });

const IdempotencyKey = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces")
  .openapi({ description: "Retrying a call with the same key returns the first answer and creates nothing new." });

const AccountId = z.string().max(64).openapi({ description: "Required with the admin key: the account the event belongs to." });

const Type = z.string().min(1).max(100).openapi({ example: "message.created" });

export const EmitEventBody = z
  .strictObject({ type: Type, data: Data, accountId: AccountId.optional(), idempotencyKey: IdempotencyKey.optional() })
  .openapi("EmitEvent");

export function batchSchema(maxEvents: number) {
  return z
    .strictObject({
      events: z
        .array(z.strictObject({ type: Type, data: Data, idempotencyKey: IdempotencyKey.optional() }))
        .min(1)
        .max(maxEvents),
      accountId: AccountId.optional(),
      idempotencyKey: IdempotencyKey.max(150)
        .optional()
        .openapi({ description: "Key for the whole batch: item i without a key of its own gets `<key>#<i>`." }),
    })
    .openapi("EmitEventBatch");
}

export const AcceptedEvent = z
  .object({
    id: z.string().openapi({ example: "evt_01M832GA597X2JY5T2YQ0YH6J4" }),
    type: z.string(),
    createdAt: z.string().datetime(),
    deliveries: z.number().int().openapi({ description: "Deliveries created: one per active webhook subscribed to the type." }),
    idempotencyKey: z.string().nullable(),
  })
  .openapi("AcceptedEvent");

export const AcceptedBatch = z.object({ data: z.array(AcceptedEvent) }).openapi("AcceptedEventBatch");

export const EventIdParams = z.object({ id: z.string().max(64).openapi({ example: "evt_01M832GA597X2JY5T2YQ0YH6J4" }) });

export const ListEventsQuery = z
  .strictObject({
    type: z.string().max(100).optional().openapi({ description: "Only events of this type." }),
    from: isoDate.optional().openapi({ description: "Events emitted at or after this time." }),
    to: isoDate.optional().openapi({ description: "Events emitted before this time." }),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(300).optional(),
  })
  .refine(rangeInOrder, { message: "from must not be after to", path: ["from"] });

export const EventSummary = z
  .object({ id: z.string(), type: z.string(), createdAt: z.string().datetime(), isTest: z.boolean(), idempotencyKey: z.string().nullable() })
  .openapi("EventSummary");

export const EventList = z.object({ data: z.array(EventSummary), nextCursor: z.string().nullable() }).openapi("EventList");

export const EventDetail = EventSummary.extend({
  data: z.unknown().openapi({ description: "The payload as emitted." }),
  deliveries: z.array(Delivery).openapi({ description: "One per webhook it fanned out to, oldest first." }),
}).openapi("EventDetail");

export type ListEventsFilter = z.output<typeof ListEventsQuery>;

export type AcceptedEventDto = z.output<typeof AcceptedEvent>;
export interface EventInput {
  type: string;
  data: Record<string, unknown>;
  idempotencyKey?: string;
}
