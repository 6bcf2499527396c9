import { actorOf, auditContextOf } from "../../src/audit/actor";
import { changedFields } from "../../src/audit/changes";

describe("changedFields", () => {
  it("lists only the fields whose value differs, from and to", () => {
    expect(changedFields({ url: "https://a", description: null, eventTypes: ["x"] }, { url: "https://b", description: null, eventTypes: ["x"] })).toEqual({
      url: { from: "https://a", to: "https://b" },
    });
  });

  it("compares arrays and objects by value, dates as ISO text, a missing value as null", () => {
    const at = new Date("2026-12-01T00:00:00Z");
    expect(changedFields({ tags: ["a", "b"], opts: { a: 1, b: 2 }, at }, { tags: ["a", "b"], opts: { b: 2, a: 1 }, at: new Date(at) })).toEqual({});
    expect(changedFields({}, { description: "new", at })).toEqual({ description: { from: null, to: "new" }, at: { from: null, to: at.toISOString() } });
    expect(changedFields({ tags: ["a"] }, { tags: ["a", "b"] })).toEqual({ tags: { from: ["a"], to: ["a", "b"] } });
  });

  it("records a secret as changed, never its value either way, and leaves it out when it did not change", () => {
    const out = changedFields({ verifyToken: "old-secret-value", url: "u" }, { verifyToken: "new-secret-value", url: "u" }, { secret: ["verifyToken"] });
    expect(out).toEqual({ verifyToken: { changed: true } });
    expect(JSON.stringify(out)).not.toMatch(/secret-value/);
    expect(changedFields({ verifyToken: "same" }, { verifyToken: "same" }, { secret: ["verifyToken"] })).toEqual({});
  });

  it("ignores the fields it is told to", () => {
    expect(changedFields({ updatedAt: 1, url: "a" }, { updatedAt: 2, url: "a" }, { ignore: ["updatedAt"] })).toEqual({});
  });
});

describe("actorOf", () => {
  it("names an account key by id and name, the admin, a portal session, and refuses an anonymous change", () => {
    expect(actorOf({ kind: "account", accountId: "acc_1", keyId: "key_1", keyName: "backend", scopes: ["*"] })).toEqual({ type: "api_key", id: "key_1", name: "backend" });
    expect(actorOf({ kind: "admin" })).toEqual({ type: "admin" });
    expect(actorOf({ kind: "portal", accountId: "acc_1", sessionId: "ps_1", access: "read" })).toEqual({ type: "portal_session", id: "ps_1" });
    expect(() => actorOf({ kind: "anonymous" })).toThrow(/anonymous/);
  });

  it("takes the request id from the response header src/http/app.ts set", () => {
    const res = { getHeader: (name: string) => (name === "x-request-id" ? "req-42" : undefined) };
    expect(auditContextOf({ principal: { kind: "admin" }, res: res as never })).toEqual({ actor: { type: "admin" }, requestId: "req-42" });
    expect(auditContextOf({ principal: { kind: "admin" }, res: { getHeader: () => undefined } as never }).requestId).toBeNull();
  });
});
