import { z } from "../lib/zod";

/** Account-defined names read like `noun.verb`: lowercase segments joined by dots. */
export const EVENT_TYPE_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
export const MAX_SAMPLE_BYTES = 64 * 1024;

export const EventTypeName = z
  .string()
  .min(3)
  .max(100)
  .regex(EVENT_TYPE_NAME, "must look like noun.verb: lowercase letters, digits and _ in dot-separated segments")
  .openapi({ example: "invoice.paid" });

export const CreateEventTypeBody = z
  .strictObject({
    name: EventTypeName,
    description: z.string().trim().min(1).max(500),
    sample: z
      .record(z.string(), z.unknown())
      .refine((v) => Buffer.byteLength(JSON.stringify(v)) <= MAX_SAMPLE_BYTES, `must be at most ${MAX_SAMPLE_BYTES} bytes as JSON`)
      .optional()
      .openapi({ description: "A JSON object sent by test events of this type." }),
  })
  .openapi("CreateEventType");

export const EventType = z
  .object({
    name: z.string(),
    description: z.string(),
    sample: z.record(z.string(), z.unknown()).nullable(),
    builtIn: z.boolean().openapi({ description: "Built-in types exist for every account." }),
    createdAt: z.string().datetime(),
  })
  .openapi("EventType");

export const EventTypeList = z.object({ data: z.array(EventType) }).openapi("EventTypeList");

export type CreateEventTypeInput = z.output<typeof CreateEventTypeBody>;
export type EventTypeDto = z.output<typeof EventType>;
