import { accountKeepMs, partitionName, rangeAround, rangesPastRetention, rangesToCreate } from "../../src/retention/plan";
import { planMissing, type Partition } from "../../src/retention/partitions";

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.UTC(2026, 11, 1); // a midnight

describe("retention plan", () => {
  it("aligns a range to its width from the epoch, clipped by its neighbours", () => {
    expect(rangeAround(T0 + 5 * H, D, [])).toEqual({ lo: T0, hi: T0 + D });
    expect(rangeAround(T0 + 5 * H, D, [{ lo: T0, hi: T0 + 2 * H }])).toEqual({ lo: T0 + 2 * H, hi: T0 + D });
    expect(rangeAround(T0 + 5 * H, D, [{ lo: T0 + 20 * H, hi: T0 + 2 * D }])).toEqual({ lo: T0, hi: T0 + 20 * H });
  });

  it("makes the current range and `ahead` more, none overlapping what exists", () => {
    expect(rangesToCreate([], T0 + 5 * H, D, 2)).toEqual([
      { lo: T0, hi: T0 + D },
      { lo: T0 + D, hi: T0 + 2 * D },
      { lo: T0 + 2 * D, hi: T0 + 3 * D },
    ]);
    // Today exists: only what follows it.
    expect(rangesToCreate([{ lo: T0, hi: T0 + D }], T0 + 5 * H, D, 1)).toEqual([{ lo: T0 + D, hi: T0 + 2 * D }]);
    // Days made earlier (the migration), hours configured now: the hours start where the days end.
    expect(rangesToCreate([{ lo: T0, hi: T0 + D }], T0 + 23 * H, H, 2)).toEqual([{ lo: T0 + D, hi: T0 + D + H }]);
    expect(rangesToCreate([{ lo: T0, hi: T0 + 3 * D }], T0, D, 2)).toEqual([]);
  });

  it("finds the ranges whose every instant is past retention, oldest first", () => {
    const ranges = [2, 0, 1, 3].map((i) => ({ lo: T0 + i * D, hi: T0 + (i + 1) * D }));
    // At day 33, keeping 30 days: day 0 ends at day 1 <= 3, day 2 ends at day 3 <= 3.
    expect(rangesPastRetention(ranges, T0 + 33 * D, 30 * D)).toEqual([
      { lo: T0, hi: T0 + D },
      { lo: T0 + D, hi: T0 + 2 * D },
      { lo: T0 + 2 * D, hi: T0 + 3 * D },
    ]);
    // A range that still holds one instant inside the window stays.
    expect(rangesPastRetention(ranges, T0 + 33 * D - 1, 30 * D)).toHaveLength(2);
  });

  it("lets an account keep less than the global retention, never more", () => {
    expect(accountKeepMs(null, 30 * D)).toBe(30 * D);
    expect(accountKeepMs(7, 30 * D)).toBe(7 * D);
    expect(accountKeepMs(90, 30 * D)).toBe(30 * D);
  });

  it("names a partition by its table and first instant in UTC", () => {
    expect(partitionName("events", T0 + 15 * H + 30_000)).toBe("events_p20261201150030");
  });

  it("plans what each table lacks: the asked ranges, and any range another table has", () => {
    const p = (table: string, lo: number, hi: number): Partition => ({ table, lo, hi, name: partitionName(table, lo), detaching: false });
    const existing = [p("events", T0, T0 + D), p("deliveries", T0, T0 + D), p("delivery_attempts", T0, T0 + D), p("events", T0 + D, T0 + 2 * D)];
    const plan = planMissing(existing, { at: [T0 + H, Date.UTC(2031, 0, 1, 12)], widthMs: D, ahead: 1 });
    const by = (table: string) => plan.filter((m) => m.table === table).map((m) => m.range.lo);
    // Tomorrow exists only for events: the other two get it; 2031 is made around its instant, in all three.
    expect(by("events")).toEqual([Date.UTC(2031, 0, 1), Date.UTC(2031, 0, 2)]);
    expect(by("deliveries")).toEqual([T0 + D, Date.UTC(2031, 0, 1), Date.UTC(2031, 0, 2)]);
    expect(by("delivery_attempts")).toEqual(by("deliveries"));
  });
});
