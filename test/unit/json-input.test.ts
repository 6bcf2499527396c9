import { findJsonInputProblem, isWellFormedText, MAX_JSON_DEPTH, toWellFormedText } from "../../src/http/json-input";

const nested = (levels: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
};

describe("isWellFormedText", () => {
  it.each(["", "plain", "ключ", "💩", "\ud83d\udca9", "tab\tand\nnewline", "\u0001"])("accepts %j", (s) => {
    expect(isWellFormedText(s)).toBe(true);
  });

  it.each(["\u0000", "a\u0000b", "\ud800", "\udfff", "x\ud83dy", "\udca9\ud83d"])("refuses %j", (s) => {
    expect(isWellFormedText(s)).toBe(false);
  });

  it("replaces what it refuses, so it can be quoted back", () => {
    expect(toWellFormedText("a\u0000b\ud800c💩")).toBe("a\ufffdb\ufffdc💩");
  });
});

describe("findJsonInputProblem", () => {
  it("finds nothing wrong with ordinary JSON", () => {
    expect(findJsonInputProblem({ url: "https://x", eventTypes: ["a.b"], data: { n: [1, null, true, { s: "é" }] } })).toBeNull();
    expect(findJsonInputProblem(nested(MAX_JSON_DEPTH))).toBeNull();
  });

  it("names the path of an ill-formed string, or of the object holding an ill-formed key", () => {
    expect(findJsonInputProblem({ events: [{ type: "ok" }, { type: "\ud800" }] })).toEqual({ problem: "ill_formed_text", path: ["events", 1, "type"] });
    expect(findJsonInputProblem({ data: { "k\u0000": 1 } })).toEqual({ problem: "ill_formed_text", path: ["data", "k\u0000"] });
    expect(findJsonInputProblem("\u0000")).toEqual({ problem: "ill_formed_text", path: [] });
  });

  it("exempts the fields a route names as opaque from the text rule, but not from the depth limit", () => {
    expect(findJsonInputProblem({ data: { "k\u0000": "\ud800" } }, MAX_JSON_DEPTH, ["data"])).toBeNull();
    expect(findJsonInputProblem({ events: [{ data: { s: "\u0000" } }] }, MAX_JSON_DEPTH, ["data"])).toBeNull();
    expect(findJsonInputProblem({ type: "\u0000", data: {} }, MAX_JSON_DEPTH, ["data"])).toEqual({ problem: "ill_formed_text", path: ["type"] });
    expect(findJsonInputProblem({ data: nested(MAX_JSON_DEPTH) }, MAX_JSON_DEPTH, ["data"])?.problem).toBe("too_deep");
  });

  it("refuses nesting beyond the limit, however deep, without recursing", () => {
    expect(findJsonInputProblem(nested(MAX_JSON_DEPTH + 1))?.problem).toBe("too_deep");
    const deep = JSON.parse("[".repeat(200_000) + "]".repeat(200_000));
    const started = Date.now();
    const found = findJsonInputProblem(deep);
    expect(found?.problem).toBe("too_deep");
    expect(found?.path).toHaveLength(MAX_JSON_DEPTH);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
