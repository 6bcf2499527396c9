import { isoToLocalInput, localInputToIso, readFilters, toSearch } from "../../../portal/src/ui/filters";

describe("filters in the page's address", () => {
  test("only the named, non-empty parameters become filters", () => {
    const params = new URLSearchParams("eventType=message.created&outcome=&from=2026-01-02T03:04:00.000Z&junk=1");
    expect(readFilters(params, ["eventType", "outcome", "from", "to"] as const)).toEqual({ eventType: "message.created", from: "2026-01-02T03:04:00.000Z" });
  });

  test("filters become a query string without the empty ones, and read back the same", () => {
    const filters = { eventType: "chat.status_changed", outcome: "failure", from: undefined, to: "" };
    const search = toSearch(filters);
    expect(search.toString()).toBe("eventType=chat.status_changed&outcome=failure");
    expect(readFilters(new URLSearchParams(search.toString()), ["eventType", "outcome", "from", "to"] as const)).toEqual({ eventType: "chat.status_changed", outcome: "failure" });
  });

  test("a UTC instant survives the trip through a datetime-local field, to the minute", () => {
    const iso = "2026-03-04T05:06:00.000Z";
    const local = isoToLocalInput(iso);
    expect(local).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
    expect(localInputToIso(local)).toBe(iso);
  });

  test("absent or unreadable dates are empty, not an invalid date", () => {
    expect(isoToLocalInput(undefined)).toBe("");
    expect(isoToLocalInput("yesterday")).toBe("");
    expect(localInputToIso("")).toBeUndefined();
    expect(localInputToIso("not-a-date")).toBeUndefined();
  });
});
