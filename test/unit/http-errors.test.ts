import { errorBody, validationError } from "../../src/http/errors";
import { AppError } from "../../src/lib/errors";
import { z } from "../../src/lib/zod";

function zodError(schema: z.ZodType, input: unknown): z.ZodError {
  const result = schema.safeParse(input);
  if (result.success) throw new Error("expected the input to be invalid");
  return result.error;
}

describe("errorBody", () => {
  it("wraps code and message under error", () => {
    expect(errorBody("not_found", "webhook not found")).toEqual({ error: { code: "not_found", message: "webhook not found" } });
  });

  it("leaves details out when there are none", () => {
    expect(Object.keys(errorBody("x", "y").error)).toEqual(["code", "message"]);
  });

  it("includes details when given, even falsy ones", () => {
    expect(errorBody("x", "y", { field: "url" })).toEqual({ error: { code: "x", message: "y", details: { field: "url" } } });
    expect(errorBody("x", "y", null).error).toHaveProperty("details", null);
    expect(errorBody("x", "y", 0).error).toHaveProperty("details", 0);
  });
});

describe("validationError", () => {
  const Body = z.strictObject({ url: z.string(), nested: z.object({ count: z.number() }).optional() });

  it("is a 400 validation_failed naming the offending field", () => {
    const input = { url: 42 };
    const err = validationError("body", zodError(Body, input), input);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ status: 400, code: "validation_failed" });
    expect(err.message).toMatch(/^body\.url: /);
    expect(err.details).toEqual({
      issues: [{ field: "body.url", message: expect.any(String), code: "invalid_type", params: { expected: "string", missing: false } }],
    });
  });

  it("gives each issue the limits and reasons a client needs to word it in another language, never the input", () => {
    const Limits = z.strictObject({
      token: z.string().min(16),
      name: z.string().max(3),
      types: z.array(z.string()).min(1),
      kind: z.enum(["a", "b"]),
      when: z.string().datetime(),
      url: z.string().superRefine((_v, ctx) => ctx.addIssue({ code: "custom", message: "no", params: { reason: "scheme", httpAllowed: false, nested: { x: 1 } } })),
      needed: z.string(),
    });
    const input = { token: "short-secret", name: "abcd", types: [], kind: "c", when: "yesterday", url: "ftp://x" };
    const issues = (validationError("body", zodError(Limits, input), input).details as { issues: { field: string; params?: unknown }[] }).issues;
    expect(Object.fromEntries(issues.map((i) => [i.field, i.params]))).toEqual({
      "body.token": { origin: "string", minimum: 16 },
      "body.name": { origin: "string", maximum: 3 },
      "body.types": { origin: "array", minimum: 1 },
      "body.kind": { values: ["a", "b"] },
      "body.when": { format: "datetime" },
      "body.url": { reason: "scheme", httpAllowed: false },
      "body.needed": { expected: "string", missing: true },
    });
    expect(JSON.stringify(issues)).not.toContain("short-secret");
  });

  it("names nested fields with a dotted path", () => {
    const err = validationError("body", zodError(Body, { url: "u", nested: { count: "3" } }));
    expect(err.details).toEqual({ issues: [expect.objectContaining({ field: "body.nested.count" })] });
  });

  it("reports each unrecognized key as its own unknown field", () => {
    const err = validationError("body", zodError(Body, { url: "u", secret: 1, extra: 2 }));
    expect(err.details).toEqual({
      issues: [
        { field: "body.secret", message: "unknown field", code: "unrecognized_keys" },
        { field: "body.extra", message: "unknown field", code: "unrecognized_keys" },
      ],
    });
    expect(err.message).toBe("body.secret: unknown field; body.extra: unknown field");
  });

  it("prefixes fields with where the input came from", () => {
    const err = validationError("query", zodError(z.strictObject({ limit: z.number() }), { limit: "x" }));
    expect(err.details).toEqual({ issues: [expect.objectContaining({ field: "query.limit" })] });
  });

  it("summarizes at most five issues but keeps all of them in details", () => {
    const Seven = z.object(Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`f${i}`, z.string()])));
    const err = validationError("body", zodError(Seven, {}));
    expect(err.message.split("; ")).toHaveLength(5);
    expect((err.details as { issues: unknown[] }).issues).toHaveLength(7);
  });

  it("names only where for an issue about the whole input", () => {
    const err = validationError("body", zodError(z.object({}), "not an object"));
    expect(err.details).toEqual({ issues: [expect.objectContaining({ field: "body" })] });
    expect(err.message).toMatch(/^body: /);
  });
});
