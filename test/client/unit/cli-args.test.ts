import {
  dataSource,
  intOption,
  listOption,
  parseCommandArgs,
  parseDurationSeconds,
  parseJsonData,
  parseSince,
  UsageError,
} from "../../../packages/client/src/cli/args";

describe("CLI argument parsing", () => {
  it("accepts the global options everywhere and refuses unknown ones as usage errors", () => {
    const args = parseCommandArgs(["wh_1", "--json", "--api-url", "http://x", "--limit", "5"], { limit: { type: "string" } });
    expect(args).toEqual({ values: { json: true, "api-url": "http://x", limit: "5" }, positionals: ["wh_1"] });
    expect(() => parseCommandArgs(["--frob"], {})).toThrow(new UsageError("Unknown option '--frob'"));
    expect(() => parseCommandArgs(["--limit"], { limit: { type: "string" } })).toThrow(UsageError);
  });

  it("reads comma-separated and repeated list options alike", () => {
    const args = parseCommandArgs(["--event-types", "a,b", "--event-types", " c ,", "--event-types", "d"], { "event-types": { type: "string", multiple: true } });
    expect(listOption(args, "event-types")).toEqual(["a", "b", "c", "d"]);
    expect(listOption(parseCommandArgs([], { x: { type: "string", multiple: true } }), "x")).toEqual([]);
  });

  it("bounds whole-number options", () => {
    const spec = { limit: { type: "string" } } as const;
    expect(intOption(parseCommandArgs(["--limit", "20"], spec), "limit", { min: 1, max: 100 })).toBe(20);
    expect(intOption(parseCommandArgs([], spec), "limit", { min: 1, max: 100 })).toBeUndefined();
    for (const bad of ["0", "101", "1.5", "-3", "ten"]) {
      expect(() => intOption(parseCommandArgs([`--limit=${bad}`], spec), "limit", { min: 1, max: 100 })).toThrow("--limit must be a whole number from 1 to 100");
    }
  });

  it("reads durations in seconds, minutes, hours, days and weeks", () => {
    expect([parseDurationSeconds("90"), parseDurationSeconds("90s"), parseDurationSeconds("15m"), parseDurationSeconds("12h"), parseDurationSeconds("7d"), parseDurationSeconds("1w")]).toEqual([
      90, 90, 900, 43_200, 604_800, 604_800,
    ]);
    expect(parseDurationSeconds("soon")).toBeNull();
    expect(parseDurationSeconds("1.5h")).toBeNull();
  });

  it("turns --since into an instant: a duration back from now, or an ISO time as given", () => {
    const now = new Date("2026-12-01T12:00:00.000Z");
    expect(parseSince("2h", now)).toBe("2026-12-01T10:00:00.000Z");
    expect(parseSince("2026-11-23T00:00:00+01:00", now)).toBe("2026-11-23T00:00:00+01:00");
    expect(() => parseSince("yesterday", now)).toThrow(/--since must be a duration like 15m/);
    expect(() => parseSince("2026-13-45", now)).toThrow(UsageError);
  });

  it("tells where --data comes from, and says when it is not JSON", () => {
    expect(dataSource("-")).toEqual({ kind: "stdin" });
    expect(dataSource("@event.json")).toEqual({ kind: "file", path: "event.json" });
    expect(dataSource('{"a":1}')).toEqual({ kind: "inline", text: '{"a":1}' });
    expect(() => dataSource("@")).toThrow(UsageError);
    expect(parseJsonData('{"a":[1,"é"]}', "x")).toEqual({ a: [1, "é"] });
    expect(() => parseJsonData("{a:1}", "event.json")).toThrow(/^--data: event.json is not valid JSON/);
  });
});
