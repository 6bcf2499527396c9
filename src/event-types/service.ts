import type { AuditContext } from "../audit/actor";
import { writeAudit } from "../audit/store";
import { conflict, unprocessable } from "../lib/errors";
import { newId } from "../lib/ids";
import type { Db } from "../lib/prisma";
import { isUniqueViolation } from "../lib/prisma-errors";
import { Prisma } from "../generated/prisma/client";
import { BUILTIN_EVENT_TYPES, type CatalogEventType } from "./catalog";
import type { CreateEventTypeInput, EventTypeDto, ImportCatalogResultDto } from "./schemas";
import { SEED_CATALOGS, type SeedCatalogName } from "./seed-catalogs";

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

/**
 * What importing a catalog means for one account, decided from the names that already exist.
 * A built-in name is skipped (every account has it, and an account type cannot shadow it); a
 * name the account already defined is left alone, whatever its description or sample.
 */
export function planCatalogImport(
  types: readonly CatalogEventType[],
  existing: { builtIn: ReadonlySet<string>; account: ReadonlySet<string> },
): { create: CatalogEventType[]; existing: string[]; skipped: ImportCatalogResultDto["skipped"] } {
  const plan = { create: [] as CatalogEventType[], existing: [] as string[], skipped: [] as ImportCatalogResultDto["skipped"] };
  for (const t of types) {
    if (existing.builtIn.has(t.name)) {
      plan.skipped.push({ name: t.name, reason: "built_in", message: `"${t.name}" is a built-in event type; subscribe to it as is` });
    } else if (existing.account.has(t.name)) plan.existing.push(t.name);
    else plan.create.push(t);
  }
  return plan;
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

    async create(accountId: string, input: CreateEventTypeInput, audit: AuditContext): Promise<EventTypeDto> {
      const [taken, count] = await Promise.all([
        db.eventType.findFirst({ where: { name: input.name, OR: [{ accountId: null }, { accountId }] } }),
        db.eventType.count({ where: { accountId } }),
      ]);
      if (taken) throw conflict("event_type_exists", `event type "${input.name}" already exists`);
      if (count >= MAX_EVENT_TYPES_PER_ACCOUNT) {
        throw unprocessable("event_type_limit", `an account may define at most ${MAX_EVENT_TYPES_PER_ACCOUNT} event types`);
      }
      try {
        const row = await db.$transaction(async (tx) => {
          const created = await tx.eventType.create({
            data: {
              id: newId("et"),
              accountId,
              name: input.name,
              description: input.description,
              sample: input.sample === undefined ? Prisma.DbNull : (input.sample as Prisma.InputJsonObject),
            },
          });
          await writeAudit(tx, audit, {
            accountId,
            action: "event_type.created",
            targetType: "event_type",
            targetId: created.id,
            changes: { name: { from: null, to: created.name }, description: { from: null, to: created.description } },
          });
          return created;
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

    /**
     * Registers a seed platform's event types for the account. Idempotent: importing again
     * creates nothing and reports every type as existing (or skipped). Catalog names bypass
     * the `noun.verb` rule of account-defined names: they are the platform's own.
     */
    async importCatalog(accountId: string, catalog: SeedCatalogName, audit: AuditContext): Promise<ImportCatalogResultDto> {
      const types = SEED_CATALOGS[catalog];
      const rows = await db.eventType.findMany({
        where: { name: { in: types.map((t) => t.name) }, OR: [{ accountId: null }, { accountId }] },
        select: { name: true, accountId: true },
      });
      const plan = planCatalogImport(types, {
        builtIn: new Set(rows.filter((r) => r.accountId === null).map((r) => r.name)),
        account: new Set(rows.filter((r) => r.accountId !== null).map((r) => r.name)),
      });
      if (plan.create.length > 0) {
        const count = await db.eventType.count({ where: { accountId } });
        if (count + plan.create.length > MAX_EVENT_TYPES_PER_ACCOUNT) {
          throw unprocessable("event_type_limit", `an account may define at most ${MAX_EVENT_TYPES_PER_ACCOUNT} event types; this import would add ${plan.create.length} to ${count}`);
        }
      }
      const created: string[] = [];
      const existing = [...plan.existing];
      await db.$transaction(async (tx) => {
        // ON CONFLICT DO NOTHING per row: a concurrent import of the same catalog may win a name,
        // which then counts as existing rather than failing this call.
        for (const t of plan.create) {
          const inserted = await tx.eventType.createMany({
            data: [{ id: newId("et"), accountId, name: t.name, description: t.description, sample: t.sample as Prisma.InputJsonObject }],
            skipDuplicates: true,
          });
          (inserted.count === 1 ? created : existing).push(t.name);
        }
        // An import that added nothing changed nothing: no entry.
        if (created.length > 0) {
          await writeAudit(tx, audit, {
            accountId,
            action: "event_types.imported",
            targetType: "account",
            targetId: accountId,
            changes: { catalog: { from: null, to: catalog }, eventTypes: { from: null, to: created } },
          });
        }
      });
      return { catalog, created, existing, skipped: plan.skipped };
    },

    /** The names among `names` that this account cannot subscribe to. */
    async unknownNames(accountId: string, names: string[]): Promise<string[]> {
      // Not on the hot path (webhook writes ask it; ingestion has its own lookup in event-store.ts).
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
