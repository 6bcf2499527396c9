/**
 * What the partitions should be, as data: which time ranges to make ahead of the clock, which
 * are past retention, and how long each account's rows are kept. Pure; src/retention/partitions.ts
 * reads the catalog and runs the DDL this decides.
 */

/** A partition's time range, [lo, hi) in epoch milliseconds (the times its ids carry). */
export interface TimeRange {
  lo: number;
  hi: number;
}

const DAY_MS = 86_400_000;

/** The range of width `widthMs` that `ms` falls in, aligned to the epoch (UTC midnight for days), clipped so it overlaps none of `existing`. */
export function rangeAround(ms: number, widthMs: number, existing: readonly TimeRange[]): TimeRange {
  let lo = Math.floor(ms / widthMs) * widthMs;
  let hi = lo + widthMs;
  for (const r of existing) {
    if (r.hi <= ms && r.hi > lo) lo = r.hi;
    if (r.lo > ms && r.lo < hi) hi = r.lo;
  }
  return { lo, hi };
}

/**
 * The ranges to make so that every instant from the start of the current range to `ahead`
 * widths past `now` has a partition. Existing ranges may have another width (the setting
 * changed, or the migration made days): new ones start where old ones end and never overlap.
 */
export function rangesToCreate(existing: readonly TimeRange[], now: number, widthMs: number, ahead: number): TimeRange[] {
  const sorted = [...existing].sort((a, b) => a.lo - b.lo);
  const until = now + ahead * widthMs;
  const out: TimeRange[] = [];
  let at = Math.floor(now / widthMs) * widthMs;
  while (at < until) {
    const covering = sorted.find((r) => r.lo <= at && at < r.hi);
    if (covering) {
      at = covering.hi;
      continue;
    }
    const range = rangeAround(at, widthMs, sorted);
    out.push(range);
    at = range.hi;
  }
  return out;
}

/** Whole ranges every row of which is older than `keepMs` at `now`: candidates to drop, oldest first. */
export function rangesPastRetention(existing: readonly TimeRange[], now: number, keepMs: number): TimeRange[] {
  return existing.filter((r) => r.hi <= now - keepMs).sort((a, b) => a.lo - b.lo);
}

/**
 * An account's retention: its own, in days, where it set one, never longer than the global one
 * (HOOKRELAY_RETENTION), which is how long the partitions are kept. An account keeping less has
 * the difference removed row by row (src/retention/trim.ts), which costs with its rows; the
 * partitions, where everything else is, go whole.
 */
export function accountKeepMs(retentionDays: number | null, defaultMs: number): number {
  return retentionDays === null ? defaultMs : Math.min(retentionDays * DAY_MS, defaultMs);
}

/** The partition's name: its table, then its first instant in UTC (events_p20261201000000). */
export function partitionName(table: string, lo: number): string {
  const iso = new Date(lo).toISOString(); // 2026-12-01T00:00:00.000Z
  return `${table}_p${iso.slice(0, 19).replace(/[-:T]/g, "")}`;
}
