import type { Arrivals } from "../../harness/receiver";

/**
 * What the receiver saw around a cut of one worker host's link, read from each arrival's
 * sender address: nothing here looks inside Redis or BullMQ, so it holds whatever schedules
 * the jobs.
 */
export interface CutFigures {
  /** Arrivals sent by the cut worker before the cut: it was doing its share. */
  cutWorkerBefore: number;
  /** Arrivals during the cut, by sender. */
  duringFromCut: number;
  duringFromOther: number;
  /** The longest stretch of the cut with no arrival at all, ms. */
  longestSilenceMs: number;
  /** Deliveries the cut worker sent before the cut that the other worker sent again after it: the jobs it held. */
  heldCameBack: number;
  /** Cut → the other worker's first and last re-send of those, ms. */
  heldBackAfterMs: { first: number; last: number } | null;
  /** Arrivals sent by the cut worker after the restore, and restore → its first, ms. */
  cutWorkerAfter: number;
  rejoinedAfterMs: number | null;
}

/**
 * A request already past the switch when it stopped forwarding is read by the receiver a moment
 * later: arrivals this soon after the cut took effect count as sent before it.
 */
const IN_TRANSIT_MS = 50;

/** @param cut `at`: when the cut had taken effect; `restoredAt`: when the restore began (epoch ms) */
export function cutFigures(seen: Arrivals, cut: { worker: string; other: string; at: number; restoredAt: number }): CutFigures {
  const cutAt = cut.at + IN_TRANSIT_MS;
  const during = { cut: 0, other: 0 };
  let cutWorkerBefore = 0;
  let cutWorkerAfter = 0;
  let rejoinedAt: number | null = null;
  const sentByCutBefore = new Set<string>();
  const times: number[] = [];
  // Arrivals are recorded in order of arrival, so `at` only grows.
  for (let i = 0; i < seen.at.length; i++) {
    const at = seen.at[i]!;
    const from = seen.from[i]!;
    if (at < cutAt) {
      if (from === cut.worker) {
        cutWorkerBefore++;
        sentByCutBefore.add(seen.ids[i]!);
      }
    } else if (at <= cut.restoredAt) {
      times.push(at);
      if (from === cut.worker) during.cut++;
      else if (from === cut.other) during.other++;
    } else if (from === cut.worker) {
      cutWorkerAfter++;
      rejoinedAt ??= at;
    }
  }
  const cameBack = new Map<string, number>();
  for (let i = 0; i < seen.at.length; i++) {
    const id = seen.ids[i]!;
    if (seen.at[i]! >= cutAt && seen.from[i] === cut.other && sentByCutBefore.has(id) && !cameBack.has(id)) cameBack.set(id, seen.at[i]! - cut.at);
  }
  const backAfter = [...cameBack.values()];
  const edges = [cutAt, ...times, cut.restoredAt];
  let longestSilenceMs = 0;
  for (let i = 1; i < edges.length; i++) longestSilenceMs = Math.max(longestSilenceMs, edges[i]! - edges[i - 1]!);
  return {
    cutWorkerBefore,
    duringFromCut: during.cut,
    duringFromOther: during.other,
    longestSilenceMs: Math.round(longestSilenceMs),
    heldCameBack: cameBack.size,
    heldBackAfterMs: backAfter.length > 0 ? { first: Math.round(Math.min(...backAfter)), last: Math.round(Math.max(...backAfter)) } : null,
    cutWorkerAfter,
    rejoinedAfterMs: rejoinedAt === null ? null : Math.round(rejoinedAt - cut.restoredAt),
  };
}
