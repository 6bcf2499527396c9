import { conflict, unprocessable } from "../lib/errors";
import { newId } from "../lib/ids";
import type { Db } from "../lib/prisma";
import { isUniqueViolation } from "../lib/prisma-errors";
import { Prisma } from "../generated/prisma/client";
import { BUILTIN_EVENT_TYPES } from "./catalog";
import type { CreateEventTypeInput, EventTypeDto } from "./schemas";

/** How many types one account may define; the list is returned whole, so it must stay small. */
export const MAX_EVENT_TYPES_PER_ACCOUNT = 500;

type Row = { name: string; description: string; sample: unknown; accountId: string | null; createdAt: Date };

function toDto(row: Row): EventTypeDto {
  return {
    name: row.name,
    description: row.description,
    sample: (row.sample as Record<string, unknown> | null) ?? null,
    builtIn: row.accountId === null,
    createdAt: row.createdAt.toISOString(),
  };
}

export function createEventTypesService({ db }: { db: Db }) {
  return {
    /** Built-in types first, then the account's own, each by name. */
    async list(accountId: string): Promise<EventTypeDto[]> {
      const rows = await db.eventType.findMany({
        where: { OR: [{ accountId: null }, { accountId }] },
        orderBy: [{ accountId: { sort: "asc", nulls: "first" } }, { name: "asc" }],
      });
      return rows.map(toDto);
    },

    async create(accountId: string, input: CreateEventTypeInput): Promise<EventTypeDto> {
      const [taken, count] = await Promise.all([
        db.eventType.findFirst({ where: { name: input.name, OR: [{ accountId: null }, { accountId }] } }),
        db.eventType.count({ where: { accountId } }),
      ]);
      if (taken) throw conflict("event_type_exists", `event type "${input.name}" already exists`);
      if (count >= MAX_EVENT_TYPES_PER_ACCOUNT) {
        throw unprocessable("event_type_limit", `an account may define at most ${MAX_EVENT_TYPES_PER_ACCOUNT} event types`);
      }
      try {
        const row = await db.eventType.create({
          data: {
            id: newId("et"),
            accountId,
            name: input.name,
            description: input.description,
            sample: input.sample === undefined ? Prisma.DbNull : (input.sample as Prisma.InputJsonObject),
          },
        });
        return toDto(row);
      } catch (err) {
        // Two concurrent creates of one name: the unique index decides, the loser gets 409.
        if (isUniqueViolation(err)) {
          throw conflict("event_type_exists", `event type "${input.name}" already exists`);
        }
        throw err;
      }
    },

    /** The names among `names` that this account cannot subscribe to. */
    async unknownNames(accountId: string, names: string[]): Promise<string[]> {
      const rows = await db.eventType.findMany({
        where: { name: { in: names }, OR: [{ accountId: null }, { accountId }] },
        select: { name: true },
      });
      const known = new Set(rows.map((r) => r.name));
      return names.filter((n) => !known.has(n));
    },

    /** The sample test events of a type carry; null when the type is unknown to this account. */
    async sample(accountId: string, name: string): Promise<Record<string, unknown> | null> {
      const rows = await db.eventType.findMany({ where: { name, OR: [{ accountId: null }, { accountId }] } });
      if (rows.length === 0) return null;
      // The account's own definition wins; a type without a sample still gets a test body.
      const row = rows.find((r) => r.accountId !== null) ?? rows[0]!;
      return (row.sample as Record<string, unknown> | null) ?? { test: true };
    },

    /** Makes the built-in catalog in the database match the code; run after migrations. */
    async syncBuiltins(): Promise<void> {
      for (const t of BUILTIN_EVENT_TYPES) {
        const existing = await db.eventType.findFirst({ where: { accountId: null, name: t.name } });
        const data = { description: t.description, sample: t.sample as Prisma.InputJsonObject };
        if (existing) await db.eventType.update({ where: { id: existing.id }, data });
        else await db.eventType.create({ data: { id: newId("et"), accountId: null, name: t.name, ...data } });
      }
    },
  };
}

export type EventTypesService = ReturnType<typeof createEventTypesService>;
