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

export type AcceptedEventDto = z.output<typeof AcceptedEvent>;
export interface EventInput {
  type: string;
  data: Record<string, unknown>;
  idempotencyKey?: string;
}
