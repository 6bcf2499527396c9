/**
 * What a bulk replay takes and how fast, as data: which statuses "all" means, the range left
 * once retention has had its share, whether a start asks for the replay already running, and
 * how many deliveries the next batch may restart. Pure; store.ts and runner.ts act on it.
 */

/** Statuses a replay can take: every one a delivery ends in. Pending ones are being attempted already. */
export const REPLAYABLE_STATUSES = ["failed", "skipped", "succeeded", "cancelled"] as const;
export type ReplayableStatus = (typeof REPLAYABLE_STATUSES)[number];

/** What a replay matches: deliveries of events created in [since, until) with these statuses and, if any are named, types. */
export interface ReplayFilter {
  since: Date;
  until: Date;
  statuses: ReplayableStatus[];
  /** Empty: every type. */
  eventTypes: string[];
}

/** The statuses asked for, in one order (so that two starts compare equal): failed ones when none are named. */
export function statusesOf(asked: readonly ReplayableStatus[] | "all" | undefined): ReplayableStatus[] {
  if (asked === "all") return [...REPLAYABLE_STATUSES];
  const set = new Set(asked ?? ["failed"]);
  return REPLAYABLE_STATUSES.filter((s) => set.has(s));
}

/** The types asked for, sorted and without repeats; empty for all. */
export function eventTypesOf(asked: readonly string[] | undefined): string[] {
  return [...new Set(asked ?? [])].sort();
}

/**
 * The range a replay can still cover: nothing older than the account's retention window
 * exists (or is about to go), so `since` moves up to the window's edge, and a range wholly
 * past it becomes empty (since = until), matching nothing.
 */
export function effectiveRange(since: number, until: number, now: number, keepMs: number): { since: number; until: number } {
  const edge = now - keepMs;
  const from = Math.max(since, edge);
  return { since: Math.min(from, until), until };
}

/**
 * Whether a start asks for the replay already running on the webhook, so that it answers that
 * one instead of sending everything a second time. Statuses and types must be the same. A start
 * without `until` means "up to now", which the running one already is for everything that was
 * there when it started. `since` is the same when asked alike, or when both were clamped to the
 * retention window (the running one's since is its edge, which the new one's edge has passed).
 */
export function asksForRunning(running: ReplayFilter, asked: { since: number; until: number | null; statuses: readonly ReplayableStatus[]; eventTypes: readonly string[] }, edge: number): boolean {
  const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!sameList(running.statuses, asked.statuses) || !sameList(running.eventTypes, asked.eventTypes)) return false;
  if (asked.until !== null && asked.until !== running.until.getTime()) return false;
  const since = running.since.getTime();
  return asked.since === since || (asked.since < since && edge >= since);
}

export interface Pace {
  /** Deliveries per second per replay (HOOKRELAY_REPLAY_RATE). */
  ratePerSec: number;
  /** Most deliveries per batch, one transaction each (HOOKRELAY_REPLAY_BATCH). */
  batchSize: number;
  /** No batch while the webhook has this many deliveries waiting or in flight in the scheduler (HOOKRELAY_REPLAY_MAX_QUEUED). */
  maxQueued: number;
}

/**
 * How long after its last batch a replay's next one is due: the time the rate takes to earn a
 * full batch, or a second's worth when a second earns less. Every batch thus has a useful size,
 * and the rate holds across workers, since the last batch's time is on the replay's row.
 */
export function batchGapMs(pace: Pace): number {
  return Math.ceil((Math.min(pace.batchSize, pace.ratePerSec) / pace.ratePerSec) * 1_000);
}

/**
 * How many deliveries the next batch restarts (0: not now). The rate's allowance for the time
 * since the last batch, at most a batch (idle time is not saved up into a burst); a fresh replay
 * starts with a whole batch. Never more than the webhook's room under `maxQueued`: a replay
 * fills the scheduler's line only so far, and live deliveries keep their place beside it.
 */
export function batchAllowance(pace: Pace, at: { sinceLastMs: number; fresh: boolean; queued: number }): number {
  const earned = at.fresh ? pace.batchSize : Math.floor((pace.ratePerSec * Math.max(0, at.sinceLastMs)) / 1_000);
  const room = pace.maxQueued - at.queued;
  return Math.max(0, Math.min(pace.batchSize, earned, room));
}
