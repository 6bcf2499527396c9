import { startTestApp, type TestApp } from "../support/app";

/**
 * An account's keys through the API: listed without secrets, created with scopes, revoked and
 * rotated, by the account's own full-access key and by the admin; never another account's.
 */
describe("API key management", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  /** Every string anywhere in a JSON value. */
  const stringsIn = (value: unknown): string[] =>
    typeof value === "string" ? [value] : value && typeof value === "object" ? Object.values(value).flatMap(stringsIn) : [];

  it("creates a key with scopes, shown once, and lists every key with its prefix, name, scopes and dates but never the key or its hash", async () => {
    const { accountId, apiKey } = await app.newAccount();
    const created = await app.call("POST", "/v1/api-keys", { key: apiKey, body: { name: "emitter", scopes: ["events:write"] } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^key_/), apiKey: expect.stringMatching(/^hr_/), prefix: expect.any(String), name: "emitter", scopes: ["events:write"], createdAt: expect.any(String) });
    expect(created.body.apiKey.startsWith(`${created.body.prefix}_`)).toBe(true);
    // The new key works (here: a route its scope allows).
    expect((await app.call("POST", "/v1/events", { key: created.body.apiKey, body: { type: "x.y", data: {} } })).status).not.toBe(401);

    const listed = await app.call("GET", "/v1/api-keys", { key: apiKey });
    expect(listed.status).toBe(200);
    expect(listed.body.data).toHaveLength(2);
    expect(listed.body.data[0]).toEqual({
      id: created.body.id,
      name: "emitter",
      prefix: created.body.prefix,
      scopes: ["events:write"],
      createdAt: created.body.createdAt,
      lastUsedAt: expect.any(String),
      expiresAt: null,
      revokedAt: null,
      replacedBy: null,
    });
    expect(listed.body.data[1]).toMatchObject({ name: "default", scopes: ["*"], lastUsedAt: expect.any(String) });

    const rows = await app.container.db.apiKey.findMany({ where: { accountId } });
    const secrets = [apiKey, created.body.apiKey, ...rows.map((r) => r.keyHash)];
    for (const text of stringsIn(listed.body)) for (const secret of secrets) expect(text).not.toContain(secret);
    expect(JSON.stringify(listed.body)).not.toMatch(/hash/i);
  });

  it("refuses unknown scopes and an empty list with 400", async () => {
    const { apiKey } = await app.newAccount();
    for (const scopes of [["events:delete"], [], "*"]) {
      const res = await app.call("POST", "/v1/api-keys", { key: apiKey, body: { name: "x", scopes } });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
  });

  it("lets the admin list, create, revoke and rotate any account's keys, and 404s an unknown account", async () => {
    const { accountId, apiKey } = await app.newAccount();
    const created = await app.call("POST", `/v1/accounts/${accountId}/api-keys`, { key: app.adminKey, body: { name: "ci", scopes: ["webhooks:read", "events:read"] } });
    expect(created.status).toBe(201);
    expect(created.body.scopes).toEqual(["events:read", "webhooks:read"]);
    const listed = await app.call("GET", `/v1/accounts/${accountId}/api-keys`, { key: app.adminKey });
    expect(listed.body.data.map((k: { name: string }) => k.name)).toEqual(["ci", "default"]);

    const rotated = await app.call("POST", `/v1/accounts/${accountId}/api-keys/${created.body.id}/rotate`, { key: app.adminKey });
    expect(rotated.status).toBe(200);
    expect(rotated.body.apiKey).toMatchObject({ name: "ci", scopes: ["events:read", "webhooks:read"] });
    // The default grace is 24 h.
    const grace = Date.parse(rotated.body.previous.expiresAt) - Date.now();
    expect(grace).toBeGreaterThan(86_400_000 - 60_000);
    expect(grace).toBeLessThanOrEqual(86_400_000);

    const revoked = await app.call("POST", `/v1/accounts/${accountId}/api-keys/${rotated.body.apiKey.id}/revoke`, { key: app.adminKey });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    expect((await app.call("GET", "/v1/webhooks", { key: rotated.body.apiKey.apiKey })).status).toBe(401);
    expect((await app.call("GET", "/v1/webhooks", { key: apiKey })).status).toBe(200);

    for (const path of ["/api-keys", "/api-keys/key_x/revoke", "/api-keys/key_x/rotate"]) {
      const res = await app.call(path === "/api-keys" ? "GET" : "POST", `/v1/accounts/acc_01JZZZZZZZZZZZZZZZZZZZZZZZ${path}`, { key: app.adminKey });
      expect(res.status).toBe(404);
    }
    // An account's key is not the admin's.
    expect((await app.call("GET", `/v1/accounts/${accountId}/api-keys`, { key: apiKey })).status).toBe(403);
  });

  it("answers 404 when an account key touches another account's key, and changes nothing", async () => {
    const a = await app.newAccount("A");
    const b = await app.newAccount("B");
    const bKey = (await app.call("GET", "/v1/api-keys", { key: b.apiKey })).body.data[0];
    for (const action of ["revoke", "rotate"]) {
      const res = await app.call("POST", `/v1/api-keys/${bKey.id}/${action}`, { key: a.apiKey });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
    expect((await app.call("GET", "/v1/api-keys", { key: a.apiKey })).body.data.map((k: { id: string }) => k.id)).not.toContain(bKey.id);
    expect((await app.call("GET", "/v1/webhooks", { key: b.apiKey })).status).toBe(200);
    expect(await app.container.db.apiKey.findUniqueOrThrow({ where: { id: bKey.id } })).toMatchObject({ revokedAt: null, expiresAt: null, replacedBy: null });
  });

  it("lets a key revoke itself: it gets the answer, then stops working; revoking again changes nothing", async () => {
    const { accountId, apiKey } = await app.newAccount();
    const own = (await app.call("GET", "/v1/api-keys", { key: apiKey })).body.data[0];
    const res = await app.call("POST", `/v1/api-keys/${own.id}/revoke`, { key: apiKey });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: own.id, revokedAt: expect.any(String) });
    expect((await app.call("GET", "/v1/api-keys", { key: apiKey })).status).toBe(401);
    const again = await app.call("POST", `/v1/accounts/${accountId}/api-keys/${own.id}/revoke`, { key: app.adminKey });
    expect(again.status).toBe(200);
    expect(again.body.revokedAt).toBe(res.body.revokedAt);
  });

  it("refuses to rotate a revoked key (409 key_revoked) or one already rotated (409 key_already_rotated)", async () => {
    const { accountId, apiKey } = await app.newAccount();
    const spare = (await app.call("POST", "/v1/api-keys", { key: apiKey, body: { name: "spare" } })).body;
    await app.call("POST", `/v1/api-keys/${spare.id}/revoke`, { key: apiKey });
    const revoked = await app.call("POST", `/v1/api-keys/${spare.id}/rotate`, { key: apiKey, body: { gracePeriodSeconds: 0 } });
    expect(revoked.status).toBe(409);
    expect(revoked.body.error.code).toBe("key_revoked");

    const other = (await app.call("POST", "/v1/api-keys", { key: apiKey, body: { name: "other" } })).body;
    expect((await app.call("POST", `/v1/api-keys/${other.id}/rotate`, { key: apiKey, body: { gracePeriodSeconds: 60 } })).status).toBe(200);
    const twice = await app.call("POST", `/v1/api-keys/${other.id}/rotate`, { key: apiKey });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe("key_already_rotated");
    // Nothing half-made: one replacement for `other`, none for `spare`.
    expect(await app.container.db.apiKey.count({ where: { accountId, name: "other" } })).toBe(2);
    expect(await app.container.db.apiKey.count({ where: { accountId, name: "spare" } })).toBe(1);

    const badGrace = await app.call("POST", `/v1/api-keys/${other.id}/rotate`, { key: apiKey, body: { gracePeriodSeconds: -1 } });
    expect(badGrace.status).toBe(400);
  });

  it("records api_key.created, api_key.revoked and api_key.rotated with the acting key", async () => {
    const { accountId, apiKey } = await app.newAccount();
    const own = (await app.call("GET", "/v1/api-keys", { key: apiKey })).body.data[0];
    const made = (await app.call("POST", "/v1/api-keys", { key: apiKey, body: { name: "audited" } })).body;
    await app.call("POST", `/v1/api-keys/${made.id}/rotate`, { key: apiKey, body: { gracePeriodSeconds: 0 } });
    await app.call("POST", `/v1/api-keys/${made.id}/revoke`, { key: apiKey });
    const { rows } = await app.container.sql.query(
      `SELECT action, target_id AS "targetId", actor_type AS "actorType", actor_id AS "actorId", actor_name AS "actorName", changes::text AS changes
         FROM audit_log WHERE account_id = $1 ORDER BY at, id`,
      [accountId],
    );
    expect(rows.map((r) => [r.action, r.targetId, r.actorType])).toEqual([
      ["api_key.created", own.id, "admin"],
      ["api_key.created", made.id, "api_key"],
      ["api_key.rotated", made.id, "api_key"],
      // Rotated with grace 0 means expired, not revoked: revoking it is still a change.
      ["api_key.revoked", made.id, "api_key"],
    ]);
    expect(rows[1]).toMatchObject({ actorId: own.id, actorName: "default" });
    const keys = await app.container.db.apiKey.findMany({ where: { accountId } });
    for (const row of rows) for (const k of keys) expect(row.changes).not.toContain(k.keyHash);
    expect(rows.map((r) => r.changes).join()).not.toContain(made.apiKey);
  });
});
