import { AttemptWindow, chronological, LOOKBACK_MS } from "../../../packages/client/src/cli/tail-window";

const at = (id: string, iso: string) => ({ id, timestamp: iso });

describe("the window of attempts tail has printed", () => {
  const start = Date.parse("2026-12-01T12:00:00.000Z");

  it("asks from LOOKBACK before its start until it has seen an attempt, then from before the newest one", () => {
    const w = new AttemptWindow(start);
    expect(w.from()).toBe(new Date(start - LOOKBACK_MS).toISOString());
    w.absorb([at("att_2", "2026-12-01T12:00:05.000Z"), at("att_1", "2026-12-01T12:00:01.000Z")]);
    expect(w.from()).toBe(new Date(Date.parse("2026-12-01T12:00:05.000Z") - LOOKBACK_MS).toISOString());
  });

  it("returns each attempt once, also one that shows up late with an older start", () => {
    const w = new AttemptWindow(start);
    expect(w.absorb([at("att_b", "2026-12-01T12:00:02.000Z"), at("att_a", "2026-12-01T12:00:01.000Z")]).map((a) => a.id)).toEqual(["att_b", "att_a"]);
    // The next poll returns them again, with a slow attempt that started before both.
    const again = [at("att_c", "2026-12-01T12:00:03.000Z"), at("att_b", "2026-12-01T12:00:02.000Z"), at("att_a", "2026-12-01T12:00:01.000Z"), at("att_slow", "2026-12-01T12:00:00.500Z")];
    expect(w.absorb(again).map((a) => a.id)).toEqual(["att_c", "att_slow"]);
    expect(w.absorb(again)).toEqual([]);
  });

  it("forgets only what the next query can no longer return", () => {
    const w = new AttemptWindow(start);
    w.absorb([at("att_old", "2026-12-01T12:00:00.000Z")]);
    w.absorb([at("att_new", new Date(Date.parse("2026-12-01T12:00:00.000Z") + LOOKBACK_MS + 1).toISOString())]);
    w.prune();
    expect(w.size).toBe(1);
    // Still remembered: inside the window, so a query may return it again.
    expect(w.absorb([at("att_new", "2026-12-01T12:01:05.001Z")])).toEqual([]);
  });

  it("orders a round's attempts oldest first, ties by id", () => {
    const sorted = chronological([at("att_2", "2026-12-01T12:00:02.000Z"), at("att_1b", "2026-12-01T12:00:01.000Z"), at("att_1a", "2026-12-01T12:00:01.000Z")]);
    expect(sorted.map((a) => a.id)).toEqual(["att_1a", "att_1b", "att_2"]);
  });
});
