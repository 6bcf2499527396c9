import { CreateEventTypeBody, MAX_SAMPLE_BYTES } from "../../src/event-types/schemas";

const valid = { name: "invoice.paid", description: "An invoice was paid" };

describe("CreateEventTypeBody", () => {
  it("accepts a name, a description and a sample", () => {
    const body = { ...valid, description: "  An invoice was paid ", sample: { invoice: { id: "inv_1", total: 42 } } };
    expect(CreateEventTypeBody.parse(body)).toEqual({ ...body, description: "An invoice was paid" });
  });

  it.each(["invoice.paid", "chat.status_changed", "a.b", "billing.invoice.paid", "v2.thing9.done"])("accepts the name %s", (name) => {
    expect(CreateEventTypeBody.safeParse({ ...valid, name }).success).toBe(true);
  });

  it.each([
    ["a single segment", "invoice"],
    ["uppercase letters", "Invoice.paid"],
    ["a leading dot", ".invoice.paid"],
    ["a trailing dot", "invoice.paid."],
    ["an empty segment", "invoice..paid"],
    ["a segment starting with a digit", "invoice.2paid"],
    ["a hyphen", "invoice.was-paid"],
    ["a colon", "invoice:paid"],
    ["a space", "invoice.paid now"],
  ])("refuses a name with %s", (_what, name) => {
    expect(CreateEventTypeBody.safeParse({ ...valid, name }).success).toBe(false);
  });

  it("refuses a name longer than 100 characters", () => {
    expect(CreateEventTypeBody.safeParse({ ...valid, name: `a.${"b".repeat(98)}` }).success).toBe(true);
    expect(CreateEventTypeBody.safeParse({ ...valid, name: `a.${"b".repeat(99)}` }).success).toBe(false);
  });

  it("refuses a blank description", () => {
    expect(CreateEventTypeBody.safeParse({ ...valid, description: "   " }).success).toBe(false);
  });

  it(`accepts a sample of exactly ${MAX_SAMPLE_BYTES} bytes as JSON and refuses one byte more`, () => {
    const overhead = Buffer.byteLength(JSON.stringify({ s: "" }));
    const atLimit = { s: "x".repeat(MAX_SAMPLE_BYTES - overhead) };
    expect(Buffer.byteLength(JSON.stringify(atLimit))).toBe(MAX_SAMPLE_BYTES);
    expect(CreateEventTypeBody.safeParse({ ...valid, sample: atLimit }).success).toBe(true);
    const result = CreateEventTypeBody.safeParse({ ...valid, sample: { s: `${atLimit.s}x` } });
    expect(result.error?.issues).toEqual([expect.objectContaining({ path: ["sample"], message: `must be at most ${MAX_SAMPLE_BYTES} bytes as JSON` })]);
  });

  it("counts the sample's size in UTF-8 bytes, not characters", () => {
    const overhead = Buffer.byteLength(JSON.stringify({ s: "" }));
    const chars = Math.ceil((MAX_SAMPLE_BYTES - overhead) / 2) + 1;
    expect(CreateEventTypeBody.safeParse({ ...valid, sample: { s: "é".repeat(chars) } }).success).toBe(false);
  });

  it.each([
    ["an array", [1, 2]],
    ["a string", "sample"],
    ["null", null],
  ])("refuses a sample that is %s, not an object", (_what, sample) => {
    expect(CreateEventTypeBody.safeParse({ ...valid, sample }).success).toBe(false);
  });

  it("refuses unknown fields", () => {
    const result = CreateEventTypeBody.safeParse({ ...valid, builtIn: true });
    expect(result.error?.issues).toEqual([expect.objectContaining({ code: "unrecognized_keys", keys: ["builtIn"] })]);
  });
});
