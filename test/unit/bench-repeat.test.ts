import { medianOf, mergeRuns } from "../../bench/repeat";
import type { ScenarioResult } from "../../bench/types";

const run = (rows: ScenarioResult["rows"], notes: string[] = []): ScenarioResult => ({
  name: "drain",
  title: "Drain",
  params: { events: 10 },
  rows,
  notes,
  durationSec: 10,
});

describe("bench --repeat", () => {
  it("keeps every run's rows, tagged, and adds the median of each numeric column per row position", () => {
    const merged = mergeRuns([
      run([{ route: "single", "events/s": 700, "× baseline": 0.59 }], ["slow start"]),
      run([{ route: "single", "events/s": 500, "× baseline": 0.41 }]),
      run([{ route: "single", "events/s": 600, "× baseline": 0.5 }]),
    ]);
    expect(merged.title).toBe("Drain × 3 runs");
    expect(merged.rows).toEqual([
      { run: 1, route: "single", "events/s": 700, "× baseline": 0.59 },
      { run: 2, route: "single", "events/s": 500, "× baseline": 0.41 },
      { run: 3, route: "single", "events/s": 600, "× baseline": 0.5 },
      { run: "median", route: "single", "events/s": 600, "× baseline": 0.5 },
    ]);
    expect(merged.notes).toEqual(["run 1: slow start"]);
    expect(merged.durationSec).toBe(30);
  });

  it("summarises nothing it cannot: a column missing or not a number in some run stays empty", () => {
    const merged = mergeRuns([run([{ a: 1, b: "x", c: null }]), run([{ a: 3, b: "y", c: 2 }])]);
    expect(merged.rows[2]).toEqual({ run: "median", a: 2, b: null, c: null });
  });

  it("leaves a single run as it was", () => {
    const one = run([{ a: 1 }]);
    expect(mergeRuns([one])).toBe(one);
  });

  it("takes the middle value, or the mean of the two middle ones", () => {
    expect(medianOf([3, 1, 2])).toBe(2);
    expect(medianOf([4, 1, 2, 3])).toBe(2.5);
  });
});
