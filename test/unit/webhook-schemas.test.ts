import { MAX_SUBSCRIPTIONS, webhookSchemas } from "../../src/webhooks/schemas";

const { CreateWebhookBody, UpdateWebhookBody } = webhookSchemas({ allowHttpUrls: false, verifyTokenMinLength: 16 });

const TOKEN = "s3cret-Token_0123";
const valid = { url: "https://example.com/hooks", verifyToken: TOKEN, eventTypes: ["message.created"] };

function issuesOf(result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string; code: string }[] } }) {
  expect(result.success).toBe(false);
  return (result.error?.issues ?? []).map((i) => ({ path: i.path.join("."), message: i.message, code: i.code }));
}

describe("CreateWebhookBody", () => {
  it("accepts a complete body, defaulting to the meta dialect", () => {
    expect(CreateWebhookBody.parse({ ...valid, description: "  orders  " })).toEqual({ ...valid, description: "orders", dialect: "meta" });
  });

  it("accepts the known dialects only", () => {
    expect(CreateWebhookBody.parse({ ...valid, dialect: "standard-webhooks" }).dialect).toBe("standard-webhooks");
    expect(issuesOf(CreateWebhookBody.safeParse({ ...valid, dialect: "soap" }))).toMatchObject([{ path: "dialect" }]);
  });

  it("takes the token's minimum length from the options", () => {
    expect(CreateWebhookBody.safeParse({ ...valid, verifyToken: "a".repeat(16) }).success).toBe(true);
    expect(issuesOf(CreateWebhookBody.safeParse({ ...valid, verifyToken: "a".repeat(15) }))).toEqual([
      { path: "verifyToken", message: "must be at least 16 characters", code: "too_small" },
    ]);
    const lax = webhookSchemas({ allowHttpUrls: false, verifyTokenMinLength: 8 }).CreateWebhookBody;
    expect(lax.safeParse({ ...valid, verifyToken: "a".repeat(8) }).success).toBe(true);
  });

  it("accepts a token of 256 characters and refuses 257", () => {
    expect(CreateWebhookBody.safeParse({ ...valid, verifyToken: "a".repeat(256) }).success).toBe(true);
    expect(issuesOf(CreateWebhookBody.safeParse({ ...valid, verifyToken: "a".repeat(257) }))).toMatchObject([
      { path: "verifyToken", code: "too_big" },
    ]);
  });

  it("accepts every printable ASCII character in a token", () => {
    const printable = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join("");
    expect(CreateWebhookBody.safeParse({ ...valid, verifyToken: printable }).success).toBe(true);
  });

  it.each([
    ["a space", `${TOKEN} x`],
    ["a tab", `${TOKEN}\tx`],
    ["a newline", `${TOKEN}\n`],
    ["a non-ASCII letter", `${TOKEN}é`],
    ["a DEL character", `${TOKEN}\x7f`],
  ])("refuses a token containing %s", (_what, verifyToken) => {
    expect(issuesOf(CreateWebhookBody.safeParse({ ...valid, verifyToken }))).toEqual([
      { path: "verifyToken", message: "must be printable ASCII without spaces", code: "invalid_format" },
    ]);
  });

  it("refuses a URL the URL policy refuses, with the policy's message", () => {
    expect(issuesOf(CreateWebhookBody.safeParse({ ...valid, url: "http://example.com/hooks" }))).toEqual([
      { path: "url", message: "must use https (plain http is allowed only in development setups)", code: "custom" },
    ]);
  });

  it("accepts http URLs when the options allow them", () => {
    const dev = webhookSchemas({ allowHttpUrls: true, verifyTokenMinLength: 16 }).CreateWebhookBody;
    expect(dev.safeParse({ ...valid, url: "http://localhost:3000/hooks" }).success).toBe(true);
  });

  it("removes duplicate event types, keeping first-seen order", () => {
    const parsed = CreateWebhookBody.parse({ ...valid, eventTypes: ["b.x", "a.y", "b.x", "a.y", "c.z"] });
    expect(parsed.eventTypes).toEqual(["b.x", "a.y", "c.z"]);
  });

  it("requires at least one event type", () => {
    expect(issuesOf(CreateWebhookBody.safeParse({ ...valid, eventTypes: [] }))).toEqual([
      { path: "eventTypes", message: "subscribe to at least one event type", code: "too_small" },
    ]);
  });

  it(`accepts ${MAX_SUBSCRIPTIONS} event types and refuses one more`, () => {
    const names = Array.from({ length: MAX_SUBSCRIPTIONS + 1 }, (_, i) => `type.n${i}`);
    expect(CreateWebhookBody.safeParse({ ...valid, eventTypes: names.slice(0, MAX_SUBSCRIPTIONS) }).success).toBe(true);
    expect(issuesOf(CreateWebhookBody.safeParse({ ...valid, eventTypes: names }))).toMatchObject([{ path: "eventTypes", code: "too_big" }]);
  });

  it("refuses an event type name with characters outside the allowed set", () => {
    expect(issuesOf(CreateWebhookBody.safeParse({ ...valid, eventTypes: ["ok.name", "bad name"] }))).toEqual([
      { path: "eventTypes.1", message: "is not an event type name", code: "invalid_format" },
    ]);
  });

  it("refuses unknown fields", () => {
    expect(issuesOf(CreateWebhookBody.safeParse({ ...valid, secret: "x" }))).toMatchObject([{ code: "unrecognized_keys" }]);
  });

  it.each(["url", "eventTypes"] as const)("requires %s", (field) => {
    const body: Record<string, unknown> = { ...valid };
    delete body[field];
    expect(issuesOf(CreateWebhookBody.safeParse(body))).toMatchObject([{ path: field }]);
  });

  it("leaves an absent verifyToken to the dialect, which generates one or asks for it", () => {
    const { verifyToken: _omitted, ...rest } = valid;
    expect(CreateWebhookBody.safeParse(rest).success).toBe(true);
  });

  it("refuses a description longer than 500 characters after trimming", () => {
    expect(CreateWebhookBody.safeParse({ ...valid, description: ` ${"d".repeat(500)} ` }).success).toBe(true);
    expect(CreateWebhookBody.safeParse({ ...valid, description: "d".repeat(501) }).success).toBe(false);
  });
});

describe("UpdateWebhookBody", () => {
  it("accepts a single field", () => {
    expect(UpdateWebhookBody.parse({ eventTypes: ["a.b", "a.b"] })).toEqual({ eventTypes: ["a.b"] });
  });

  it("requires at least one field", () => {
    expect(issuesOf(UpdateWebhookBody.safeParse({}))).toEqual([
      { path: "", message: "send at least one field to change", code: "custom" },
    ]);
  });

  it("accepts a null description, which clears it", () => {
    expect(UpdateWebhookBody.parse({ description: null })).toEqual({ description: null });
  });

  it("applies the same token rules as creation", () => {
    expect(UpdateWebhookBody.safeParse({ verifyToken: "short" }).success).toBe(false);
    expect(UpdateWebhookBody.safeParse({ verifyToken: `${TOKEN} ` }).success).toBe(false);
    expect(UpdateWebhookBody.safeParse({ verifyToken: TOKEN }).success).toBe(true);
  });

  it("refuses an empty event type list", () => {
    expect(UpdateWebhookBody.safeParse({ eventTypes: [] }).success).toBe(false);
  });

  it("refuses unknown fields", () => {
    expect(issuesOf(UpdateWebhookBody.safeParse({ description: "x", status: "disabled" }))).toMatchObject([{ code: "unrecognized_keys" }]);
  });
});
