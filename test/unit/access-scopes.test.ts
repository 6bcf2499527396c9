import { allows, insufficientScope, SCOPE_DESCRIPTIONS, SCOPES, ScopeName, type Scope } from "../../src/access/scopes";
import { defineRoute, type RouteSpec } from "../../src/http/route";

const NAMED = SCOPES.filter((s): s is Exclude<Scope, "*"> => s !== "*");

describe("allows", () => {
  it("lets `*` do everything", () => {
    for (const needed of SCOPES) expect(allows(["*"], needed)).toBe(true);
  });

  it("lets a scope do what it names", () => {
    for (const scope of NAMED) expect(allows([scope], scope)).toBe(true);
  });

  it("never lets a named scope do what needs `*` (managing keys)", () => {
    for (const scope of NAMED) expect(allows([scope], "*")).toBe(false);
    expect(allows(NAMED, "*")).toBe(false);
  });

  it("lets webhooks:write read webhooks too, as Stripe's restricted keys do, but not the reverse", () => {
    expect(allows(["webhooks:write"], "webhooks:read")).toBe(true);
    expect(allows(["webhooks:read"], "webhooks:write")).toBe(false);
  });

  it("does not let events:write read events", () => {
    expect(allows(["events:write"], "events:read")).toBe(false);
    expect(allows(["events:read"], "events:write")).toBe(false);
  });

  it("grants nothing beyond the listed scopes and their one implication", () => {
    const granted: Record<string, string[]> = {};
    for (const scope of NAMED) granted[scope] = SCOPES.filter((needed) => allows([scope], needed));
    expect(granted).toEqual({
      "events:write": ["events:write"],
      "events:read": ["events:read"],
      "webhooks:read": ["webhooks:read"],
      "webhooks:write": ["webhooks:read", "webhooks:write"],
      "portal:sessions": ["portal:sessions"],
      "audit:read": ["audit:read"],
    });
  });

  it("combines several scopes", () => {
    expect(allows(["events:write", "webhooks:read"], "webhooks:read")).toBe(true);
    expect(allows(["events:write", "webhooks:read"], "events:write")).toBe(true);
    expect(allows(["events:write", "webhooks:read"], "webhooks:write")).toBe(false);
  });

  it("grants nothing for no scopes, unknown names or near misses", () => {
    for (const needed of SCOPES) {
      expect(allows([], needed)).toBe(false);
      expect(allows(["webhooks:*", "events", "WEBHOOKS:READ", " *", ""], needed)).toBe(false);
    }
  });
});

describe("scope names", () => {
  it("accepts exactly the listed scopes", () => {
    for (const scope of SCOPES) expect(ScopeName.parse(scope)).toBe(scope);
    expect(ScopeName.safeParse("webhooks:delete").success).toBe(false);
  });

  it("describes every scope", () => {
    for (const scope of SCOPES) expect(SCOPE_DESCRIPTIONS[scope].length).toBeGreaterThan(10);
  });
});

describe("insufficientScope", () => {
  it("is a 403 naming the scope, in the message and in details", () => {
    const err = insufficientScope("webhooks:write");
    expect({ status: err.status, code: err.code, message: err.message, details: err.details }).toEqual({
      status: 403,
      code: "insufficient_scope",
      message: "this API key lacks the scope webhooks:write",
      details: { requiredScope: "webhooks:write" },
    });
  });
});

describe("route declarations", () => {
  const base = { method: "get" as const, path: "/v1/things", tag: "t", summary: "s", success: { status: 200, description: "ok" }, errors: [], handle: async () => ({ status: 200 }) };

  it("refuses a route open to account keys without a scope, even one cast past the type", () => {
    for (const auth of ["account", "account-or-admin"] as const) {
      const spec = { ...base, auth } as unknown as RouteSpec<undefined, undefined, undefined>;
      expect(() => defineRoute(spec)).toThrow("GET /v1/things: a route open to account keys must declare its scope");
    }
  });

  it("takes routes with a scope, and the unscoped kinds without one", () => {
    expect(defineRoute({ ...base, auth: "account", scope: "webhooks:read" }).scope).toBe("webhooks:read");
    for (const auth of ["public", "admin", "portal"] as const) expect(defineRoute({ ...base, auth }).scope).toBeUndefined();
  });
});
