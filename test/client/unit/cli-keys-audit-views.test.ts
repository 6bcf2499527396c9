import type { ApiKey, AuditEntry } from "../../../packages/client/src";
import { auditTable, keyStatus, keyTable } from "../../../packages/client/src/cli/views";

const NOW = new Date("2026-12-01T12:00:00.000Z");
const key = (over: Partial<ApiKey> = {}): ApiKey => ({
  id: "key_1",
  name: "backend",
  prefix: "hr_abcdefghijkl",
  scopes: ["*"],
  createdAt: "2026-11-01T10:00:00.000Z",
  lastUsedAt: null,
  expiresAt: null,
  revokedAt: null,
  replacedBy: null,
  ...over,
});
const entry = (over: Partial<AuditEntry> = {}): AuditEntry => ({
  id: "aud_1",
  at: "2026-12-01T11:59:00.123Z",
  action: "webhook.updated",
  target: { type: "webhook", id: "wh_1" },
  actor: { type: "api_key", id: "key_1", name: "backend" },
  requestId: "req-1",
  changes: { url: { from: "a", to: "b" }, verifyToken: { changed: true } },
  reason: null,
  ...over,
});

describe("key and audit views", () => {
  it("says whether a key is active, revoked, expiring after a rotation, or expired", () => {
    expect(keyStatus(key(), NOW)).toBe("active");
    expect(keyStatus(key({ revokedAt: "2026-11-30T00:00:00.000Z", expiresAt: "2026-12-02T00:00:00.000Z" }), NOW)).toBe("revoked");
    expect(keyStatus(key({ expiresAt: "2026-12-02T00:00:00.000Z" }), NOW)).toBe("expires 2026-12-02 00:00:00");
    expect(keyStatus(key({ expiresAt: NOW.toISOString() }), NOW)).toBe("expired");
  });

  it("lists keys as a table, never anything but the prefix", () => {
    const text = keyTable([key({ scopes: ["events:write", "audit:read"], lastUsedAt: "2026-12-01T11:00:00.000Z" })], NOW);
    expect(text.split("\n")).toEqual([
      "ID     NAME     PREFIX           SCOPES                   STATUS  LAST USED            CREATED",
      "key_1  backend  hr_abcdefghijkl  events:write,audit:read  active  2026-12-01 11:00:00  2026-11-01 10:00:00",
    ]);
    expect(keyTable([], NOW)).toBe("no API keys");
  });

  it("shows each entry's time, action, actor, target and changed fields", () => {
    const rows = auditTable([
      entry(),
      entry({ action: "webhook.disabled", actor: { type: "system", id: null, name: null }, changes: null }),
      entry({ action: "portal_session.ended", actor: { type: "portal_session", id: "ps_1", name: null }, target: { type: "portal_session", id: "ps_1" }, changes: {} }),
    ]).split("\n");
    expect(rows[0]).toMatch(/^TIME\s+ACTION\s+ACTOR\s+TARGET\s+CHANGED$/);
    expect(rows[1]).toMatch(/^2026-12-01 11:59:00\s+webhook.updated\s+key_1 \(backend\)\s+wh_1\s+url,verifyToken$/);
    expect(rows[2]).toMatch(/\s+webhook.disabled\s+system\s+wh_1\s+-$/);
    expect(rows[3]).toMatch(/\s+portal_session.ended\s+portal_session ps_1\s+ps_1\s+-$/);
    expect(auditTable([])).toBe("no audit entries");
  });
});
