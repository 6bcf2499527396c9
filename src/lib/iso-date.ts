import { z } from "./zod";

/** Year 1 onwards: Postgres has no year 0, so an earlier instant would fail in the query. */
const EARLIEST = Date.parse("0001-01-01T00:00:00Z");

/** A query's instant: ISO 8601 with an offset, e.g. `2026-11-23T00:00:00Z`. */
export const isoDate = z
  .string()
  .datetime({ offset: true, message: "must be an ISO 8601 date-time, e.g. 2026-11-23T00:00:00Z" })
  .refine((v) => Date.parse(v) >= EARLIEST, { message: "must not be before 0001-01-01T00:00:00Z" });

/** For `.refine` on a query with `from` and `to`. */
export const rangeInOrder = (q: { from?: string; to?: string }) => !q.from || !q.to || Date.parse(q.from) <= Date.parse(q.to);
