import type { EnabledWebhook, Webhook } from "../../../portal/src/api/types";
import { initialDraft, isDryRun, progressRatio, replayBody, runningReplayId, skippedOffer, skippedReplayBody } from "../../../portal/src/replay/replay-request";
import { isoToLocalInput } from "../../../portal/src/ui/filters";

const SINCE = "2026-11-30T08:15:00.000Z";
const UNTIL = "2026-12-01T09:00:00.000Z";

describe("what the replay form sends", () => {
  test("starts on the last 24 hours' failures of every type, up to now", () => {
    const now = Date.parse(UNTIL);
    const draft = initialDraft(now);
    expect(draft).toEqual({ since: isoToLocalInput(new Date(now - 86_400_000).toISOString()), until: "", statuses: ["failed"], eventTypes: [] });
  });

  test("dates go as UTC instants; an empty until, no type picked and no dry run are left out", () => {
    const body = replayBody({ since: isoToLocalInput(SINCE), until: "", statuses: ["failed", "skipped"], eventTypes: [] }, false);
    expect(body).toEqual({ since: SINCE, statuses: ["failed", "skipped"] });
  });

  test("a dry run says so; every status goes as \"all\"; picked types go as they are", () => {
    const body = replayBody({ since: isoToLocalInput(SINCE), until: isoToLocalInput(UNTIL), statuses: "all", eventTypes: ["message.created"] }, true);
    expect(body).toEqual({ since: SINCE, until: UNTIL, statuses: "all", eventTypes: ["message.created"], dryRun: true });
  });

  test("an empty since and no status ticked are sent as they are, for the API to say what is wrong next to the field", () => {
    expect(replayBody({ since: "", until: "", statuses: [], eventTypes: [] }, false)).toEqual({ statuses: [] });
  });
});

describe("reading the replay answers", () => {
  const replay = { id: "rpl_1", webhookId: "wh_1", since: SINCE, until: UNTIL, statuses: ["failed" as const], eventTypes: [], status: "running" as const, matched: 4, replayed: 1, createdAt: UNTIL, updatedAt: UNTIL, finishedAt: null };

  test("tells a dry run's count from a replay", () => {
    expect(isDryRun({ dryRun: true, matched: 3, since: SINCE, until: UNTIL, statuses: ["failed"], eventTypes: [] })).toBe(true);
    expect(isDryRun(replay)).toBe(false);
  });

  test("progress is the share replayed, at most all of it; a replay that matched nothing is done once it has finished", () => {
    expect(progressRatio(replay)).toBe(0.25);
    expect(progressRatio({ ...replay, replayed: 9 })).toBe(1);
    expect(progressRatio({ ...replay, matched: 0, replayed: 0 })).toBe(0);
    expect(progressRatio({ ...replay, matched: 0, replayed: 0, status: "completed" })).toBe(1);
  });

  test("re-enabling offers a replay only when something was skipped, and that replay is of the skipped ones in that range", () => {
    const webhook = { id: "wh_1" } as Webhook;
    expect(skippedOffer(webhook)).toBeNull();
    expect(skippedOffer({ ...webhook, skippedWhileDisabled: null } as EnabledWebhook)).toBeNull();
    expect(skippedOffer({ ...webhook, skippedWhileDisabled: { since: SINCE, until: UNTIL, count: 0 } } as EnabledWebhook)).toBeNull();
    const offer = skippedOffer({ ...webhook, skippedWhileDisabled: { since: SINCE, until: UNTIL, count: 7 } } as EnabledWebhook);
    expect(offer).toEqual({ since: SINCE, until: UNTIL, count: 7 });
    expect(skippedReplayBody(offer!)).toEqual({ since: SINCE, until: UNTIL, statuses: ["skipped"] });
  });

  test("a 409 replay_in_progress names the replay already running; any other error names none", () => {
    expect(runningReplayId({ code: "replay_in_progress", details: { replayId: "rpl_9" } })).toBe("rpl_9");
    expect(runningReplayId({ code: "replay_in_progress", details: null })).toBeNull();
    expect(runningReplayId({ code: "webhook_disabled", details: { replayId: "rpl_9" } })).toBeNull();
    expect(runningReplayId(null)).toBeNull();
  });
});
