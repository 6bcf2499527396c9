import type { AuditEntry } from "../../portal/src/api/types";
import { historyLine } from "../../portal/src/audit/history-text";

const entry = (over: Partial<AuditEntry>): AuditEntry => ({
  id: "aud_1",
  at: "2026-12-01T14:40:00.000Z",
  action: "webhook.updated",
  target: { type: "webhook", id: "wh_1" },
  actor: { type: "api_key", id: "key_1", name: "backend" },
  requestId: "req-1",
  changes: null,
  reason: null,
  ...over,
});

describe("a webhook's history line (portal)", () => {
  it("lists changed fields in the form's order, whatever order the stored JSON has, and a secret only as changed", () => {
    const line = historyLine(
      entry({ changes: { verifyToken: { changed: true }, eventTypes: { from: ["a"], to: ["a", "b"] }, url: { from: "https://a", to: "https://b" } } }),
      null,
    );
    expect(line.fields).toEqual([
      { field: "url", label: "history.field.url", kind: "changed", from: { kind: "text", text: "https://a" }, to: { kind: "text", text: "https://b" } },
      { field: "eventTypes", label: "history.field.eventTypes", kind: "changed", from: { kind: "list", items: ["a"] }, to: { kind: "list", items: ["a", "b"] } },
      { field: "verifyToken", label: "history.field.verifyToken", kind: "secret" },
    ]);
    expect(line.who).toEqual({ kind: "apiKey", name: "backend" });
  });

  it("says who: the viewer's own session as you, another session as the portal, the admin, the system", () => {
    const portal = (id: string) => entry({ actor: { type: "portal_session", id, name: null } });
    expect(historyLine(portal("ps_me"), "ps_me").who).toEqual({ kind: "you" });
    expect(historyLine(portal("ps_other"), "ps_me").who).toEqual({ kind: "portal" });
    expect(historyLine(entry({ actor: { type: "admin", id: null, name: null } }), null).who).toEqual({ kind: "admin" });
    expect(historyLine(entry({ action: "webhook.disabled", actor: { type: "system", id: null, name: null }, reason: "the endpoint answered 410 Gone" }), null)).toMatchObject({
      who: { kind: "system" },
      tone: "stopped",
      note: { kind: "reason", text: "the endpoint answered 410 Gone" },
    });
  });

  it("shows what a creation set, skips what it left empty, and a deletion by its label alone", () => {
    const created = historyLine(entry({ action: "webhook.created", changes: { url: { from: null, to: "https://a" }, description: { from: null, to: null } } }), null);
    expect(created.fields).toEqual([{ field: "url", label: "history.field.url", kind: "created", to: { kind: "text", text: "https://a" } }]);
    expect(historyLine(entry({ action: "webhook.deleted", changes: { url: { from: "https://a", to: null } } }), null).fields).toEqual([]);
    expect(historyLine(entry({ action: "webhook.paused", reason: "maintenance" }), null).note).toEqual({ kind: "note", text: "maintenance" });
  });
});
