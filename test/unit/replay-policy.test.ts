import { asksForRunning, batchAllowance, batchGapMs, effectiveRange, eventTypesOf, statusesOf, type ReplayFilter } from "../../src/replay/policy";

const DAY = 86_400_000;
const T = Date.parse("2026-12-01T12:00:00Z");

describe("what a replay takes", () => {
  it("takes failed deliveries when no status is named, every settled status for all, and named ones in one order", () => {
    expect(statusesOf(undefined)).toEqual(["failed"]);
    expect(statusesOf("all")).toEqual(["failed", "skipped", "succeeded", "cancelled"]);
    expect(statusesOf(["cancelled", "failed", "cancelled"])).toEqual(["failed", "cancelled"]);
  });

  it("sorts event types and drops repeats; none named is every type", () => {
    expect(eventTypesOf(["b.x", "a.y", "b.x"])).toEqual(["a.y", "b.x"]);
    expect(eventTypesOf(undefined)).toEqual([]);
  });

  it("moves since up to the retention window's edge and empties a range wholly past it", () => {
    expect(effectiveRange(T - 2 * DAY, T, T, 30 * DAY)).toEqual({ since: T - 2 * DAY, until: T });
    expect(effectiveRange(T - 40 * DAY, T, T, 30 * DAY)).toEqual({ since: T - 30 * DAY, until: T });
    expect(effectiveRange(T - 40 * DAY, T - 35 * DAY, T, 30 * DAY)).toEqual({ since: T - 35 * DAY, until: T - 35 * DAY });
  });
});

describe("whether a start asks for the replay already running", () => {
  const running: ReplayFilter = { since: new Date(T - DAY), until: new Date(T), statuses: ["failed"], eventTypes: [] };
  const asked = { since: T - DAY, until: null, statuses: ["failed" as const], eventTypes: [] as string[] };
  const edge = T - 30 * DAY;

  it("is the same when asked alike, with until left to now or the same until", () => {
    expect(asksForRunning(running, asked, edge)).toBe(true);
    expect(asksForRunning(running, { ...asked, until: T }, edge)).toBe(true);
  });

  it("differs in another until, since, status or type", () => {
    expect(asksForRunning(running, { ...asked, until: T - 1 }, edge)).toBe(false);
    expect(asksForRunning(running, { ...asked, since: T - DAY + 1 }, edge)).toBe(false);
    expect(asksForRunning(running, { ...asked, since: T - 2 * DAY }, edge)).toBe(false);
    expect(asksForRunning(running, { ...asked, statuses: ["failed", "skipped"] }, edge)).toBe(false);
    expect(asksForRunning(running, { ...asked, eventTypes: ["a.b"] }, edge)).toBe(false);
  });

  it("is the same when both were clamped to the retention window", () => {
    // The running one began at its edge; the new one's edge has moved past it since.
    expect(asksForRunning(running, { ...asked, since: T - 90 * DAY }, T - DAY + 5_000)).toBe(true);
    expect(asksForRunning(running, { ...asked, since: T - 90 * DAY }, T - 2 * DAY)).toBe(false);
  });
});

describe("a replay's pace", () => {
  const pace = { ratePerSec: 100, batchSize: 50, maxQueued: 1_000 };

  it("is due again once the rate has earned a batch, or after a second when a second earns less", () => {
    expect(batchGapMs(pace)).toBe(500);
    expect(batchGapMs({ ...pace, ratePerSec: 10 })).toBe(1_000);
    expect(batchGapMs({ ...pace, ratePerSec: 1_000 })).toBe(50);
  });

  it("restarts what the rate earned since the last batch, never more than a batch, a whole batch when fresh", () => {
    expect(batchAllowance(pace, { sinceLastMs: 200, fresh: false, queued: 0 })).toBe(20);
    expect(batchAllowance(pace, { sinceLastMs: 60_000, fresh: false, queued: 0 })).toBe(50);
    expect(batchAllowance(pace, { sinceLastMs: 0, fresh: true, queued: 0 })).toBe(50);
    expect(batchAllowance(pace, { sinceLastMs: -5, fresh: false, queued: 0 })).toBe(0);
  });

  it("fills the webhook's line only up to the bound", () => {
    expect(batchAllowance(pace, { sinceLastMs: 1_000, fresh: false, queued: 990 })).toBe(10);
    expect(batchAllowance(pace, { sinceLastMs: 1_000, fresh: false, queued: 1_000 })).toBe(0);
    expect(batchAllowance(pace, { sinceLastMs: 1_000, fresh: true, queued: 5_000 })).toBe(0);
  });
});
