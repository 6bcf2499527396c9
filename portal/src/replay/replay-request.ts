import type { EnabledWebhook, Replay, ReplayRequest, ReplayStarted, SkippedWhileDisabled, Webhook } from "../api/types";
import { isoToLocalInput, localInputToIso } from "../ui/filters";

/**
 * What the replay form holds and what it sends, decided without React: the form keeps
 * `datetime-local` values in the viewer's zone, the API takes UTC instants; no status ticked
 * is sent as `[]` (the API's "pick at least one" then lands next to the field, in the viewer's words).
 */
export const REPLAYABLE_STATUSES = ["failed", "skipped", "succeeded", "cancelled"] as const;
export type ReplayableStatus = (typeof REPLAYABLE_STATUSES)[number];

export interface ReplayDraft {
  /** `datetime-local` values; an empty `until` means "now". */
  since: string;
  until: string;
  /** "all": every status that is not pending, as the API reads it. */
  statuses: ReplayableStatus[] | "all";
  /** None picked: every event type. */
  eventTypes: string[];
}

const DAY = 86_400_000;

/** The webhook page's replays section, for links to it ("see its progress"). */
export const REPLAYS_ANCHOR = "replays";

/** A fresh form: the last 24 hours' failures, of every event type. */
export function initialDraft(nowMs: number): ReplayDraft {
  return { since: isoToLocalInput(new Date(nowMs - DAY).toISOString()), until: "", statuses: ["failed"], eventTypes: [] };
}

export function replayBody(draft: ReplayDraft, dryRun: boolean): ReplayRequest {
  const since = localInputToIso(draft.since);
  const until = localInputToIso(draft.until);
  return {
    // Absent, the API answers "required" on body.since, shown next to the field.
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    statuses: draft.statuses,
    ...(draft.eventTypes.length > 0 ? { eventTypes: draft.eventTypes } : {}),
    ...(dryRun ? { dryRun: true } : {}),
  } as ReplayRequest;
}

/** A dry run's answer (a count) apart from a replay (started, or the same one already running). */
export function isDryRun(answer: ReplayStarted): answer is Extract<ReplayStarted, { dryRun: true }> {
  return (answer as { dryRun?: unknown }).dryRun === true;
}

/** How far a replay is, 0..1; one that matched nothing is done. */
export function progressRatio(replay: Pick<Replay, "matched" | "replayed" | "status">): number {
  if (replay.matched <= 0) return replay.status === "running" ? 0 : 1;
  return Math.min(1, Math.max(0, replay.replayed / replay.matched));
}

/** What re-enabling offers to replay: the enable answer's skipped deliveries, when there are any. */
export function skippedOffer(answer: Webhook | EnabledWebhook): SkippedWhileDisabled | null {
  const skipped = "skippedWhileDisabled" in answer ? answer.skippedWhileDisabled : null;
  return skipped && skipped.count > 0 ? skipped : null;
}

/** The replay the banner's "Replay them" starts: exactly what was skipped while the webhook was off. */
export function skippedReplayBody(skipped: SkippedWhileDisabled): ReplayRequest {
  return { since: skipped.since, until: skipped.until, statuses: ["skipped"] };
}

/** The id of the replay already running, from a 409 `replay_in_progress` (its `details.replayId`). */
export function runningReplayId(error: { code: string; details: unknown } | null): string | null {
  if (error?.code !== "replay_in_progress") return null;
  const id = (error.details as { replayId?: unknown } | null)?.replayId;
  return typeof id === "string" ? id : null;
}
