import { z } from "../lib/zod";
import { SEED_CATALOG_NAMES } from "./seed-catalogs";

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

export const ImportCatalogBody = z
  .strictObject({
    catalog: z.enum(SEED_CATALOG_NAMES).openapi({ description: "The platform whose event types to register (see the dialects of the same names)." }),
  })
  .openapi("ImportEventTypeCatalog");

export const ImportCatalogResult = z
  .object({
    catalog: z.enum(SEED_CATALOG_NAMES),
    created: z.array(z.string()).openapi({ description: "Types registered by this call." }),
    existing: z.array(z.string()).openapi({ description: "Types the account already had under these names; left as they were." }),
    skipped: z
      .array(z.object({ name: z.string(), reason: z.enum(["built_in"]), message: z.string() }))
      .openapi({ description: "Catalog names that are built-in types: every account already has them, with the built-in sample." }),
  })
  .openapi("ImportEventTypeCatalogResult");

export type ImportCatalogResultDto = z.output<typeof ImportCatalogResult>;
