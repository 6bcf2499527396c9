import { AuthenticationError, ConflictError, Hookrelay, PermissionError, ValidationError, type ApiKey } from "../../packages/client/src";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { aReceiver, DEFAULT_TOKEN } from "../support/factories";

/** Whether `key` is refused now; the API drops a revoked key from every cache within a second. */
async function refused(app: TestApp, key: string): Promise<boolean> {
  const err = await new Hookrelay({ baseUrl: app.baseUrl, apiKey: key, retry: false }).events.list().first().then(() => null, (e: unknown) => e);
  return err instanceof AuthenticationError;
}

describe("the SDK's API keys and audit log, against the real API", () => {
  let app: TestApp;
  let accountId: string;
  let apiKey: string;
  let hr: Hookrelay;
  const as = (key: string) => new Hookrelay({ baseUrl: app.baseUrl, apiKey: key });

  beforeAll(async () => {
    app = await startTestApp();
  });
  beforeEach(async () => {
    ({ accountId, apiKey } = await app.newAccount());
    hr = as(apiKey);
  });
  afterAll(() => app.close());

  /** The full-access key the test account was made with. */
  const ownKey = async (): Promise<ApiKey> => (await hr.apiKeys.list().all()).find((k) => apiKey.startsWith(`${k.prefix}_`))!;

  it("creates a scoped key that lists without its secret and is refused outside its scope; rotates and revokes it", async () => {
    const issued = await hr.apiKeys.create({ name: "emitter", scopes: ["events:write"] });
    expect(issued).toMatchObject({ id: expect.stringMatching(/^key_/), name: "emitter", scopes: ["events:write"], apiKey: expect.stringMatching(/^hr_/) });

    const listed = await hr.apiKeys.list().all();
    expect(listed.map((k) => k.id)).toContain(issued.id);
    expect(listed[0]).toMatchObject({ id: issued.id, prefix: issued.prefix, revokedAt: null, expiresAt: null, replacedBy: null });
    expect(JSON.stringify(listed)).not.toContain(issued.apiKey);
    for (const k of listed) expect(k).not.toHaveProperty("apiKey");

    const emitter = as(issued.apiKey);
    expect(await emitter.events.emit({ type: "message.created", data: { n: 1 } })).toMatchObject({ id: expect.stringMatching(/^evt_/) });
    const outside = await emitter.webhooks.list().first().catch((e: unknown) => e);
    expect(outside).toBeInstanceOf(PermissionError);
    expect(outside).toMatchObject({ status: 403, code: "insufficient_scope", details: { requiredScope: "webhooks:read" } });
    // Managing keys needs full access; so does reading the audit log without audit:read.
    await expect(emitter.apiKeys.list().first()).rejects.toMatchObject({ name: "PermissionError", code: "insufficient_scope" });
    await expect(emitter.auditLog.list().first()).rejects.toMatchObject({ code: "insufficient_scope", details: { requiredScope: "audit:read" } });

    const rotated = await hr.apiKeys.rotate(issued.id, { gracePeriodSeconds: 0 });
    expect(rotated.apiKey).toMatchObject({ name: "emitter", scopes: ["events:write"], apiKey: expect.stringMatching(/^hr_/) });
    expect(rotated.apiKey.apiKey).not.toBe(issued.apiKey);
    expect(rotated.previous).toMatchObject({ id: issued.id, replacedBy: rotated.apiKey.id, expiresAt: expect.any(String) });
    await eventually(() => refused(app, issued.apiKey), "the rotated key refused");
    const err = await as(issued.apiKey).events.emit({ type: "message.created", data: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(await as(rotated.apiKey.apiKey).events.emit({ type: "message.created", data: { n: 2 } })).toMatchObject({ deliveries: 0 });
    await expect(hr.apiKeys.rotate(issued.id)).rejects.toMatchObject({ name: "ConflictError", code: "key_already_rotated" });

    const revoked = await hr.apiKeys.revoke(rotated.apiKey.id);
    expect(revoked).toMatchObject({ id: rotated.apiKey.id, revokedAt: expect.any(String) });
    await eventually(() => refused(app, rotated.apiKey.apiKey), "the revoked key refused");
    await expect(hr.apiKeys.rotate(rotated.apiKey.id)).rejects.toBeInstanceOf(ConflictError);
    // The full key was never affected.
    expect(await refused(app, apiKey)).toBe(false);

    // The audit log has each change, newest first, by the full key.
    const own = await ownKey();
    const entries = await hr.auditLog.list({ actorType: "api_key" }).all();
    expect(entries.map((e) => [e.action, e.target.id])).toEqual([
      ["api_key.revoked", rotated.apiKey.id],
      ["api_key.rotated", issued.id],
      ["api_key.created", issued.id],
    ]);
    for (const e of entries) expect(e.actor).toEqual({ type: "api_key", id: own.id, name: own.name });
    expect(JSON.stringify(entries)).not.toContain(issued.apiKey);
    expect(JSON.stringify(entries)).not.toContain(rotated.apiKey.apiKey);
    const times = entries.map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    expect((await hr.auditLog.list({ targetId: issued.id }).all()).map((e) => e.action)).toEqual(["api_key.rotated", "api_key.created"]);
    expect((await hr.auditLog.list({ action: "api_key.revoked" }).all()).map((e) => e.target.id)).toEqual([rotated.apiKey.id]);
    expect(await hr.auditLog.list({ actorType: "system" }).all()).toEqual([]);
    expect(await hr.auditLog.list({ from: new Date(Date.now() + 60_000).toISOString() }).all()).toEqual([]);
  });

  it("pages the audit log newest first, and a key with audit:read reads it", async () => {
    const receiver = await aReceiver(app);
    const webhook = await hr.webhooks.create({ url: receiver.url, verifyToken: DEFAULT_TOKEN, eventTypes: ["message.created"] });
    for (let n = 0; n < 4; n++) await hr.webhooks.update(webhook.id, { description: `v${n}` });

    const pages = [];
    for await (const page of hr.auditLog.list({ targetId: webhook.id, limit: 2 }).pages()) pages.push(page);
    expect(pages.map((p) => p.data.length)).toEqual([2, 2, 1]);
    const all = pages.flatMap((p) => p.data);
    expect(all.map((e) => e.action)).toEqual(["webhook.updated", "webhook.updated", "webhook.updated", "webhook.updated", "webhook.created"]);
    expect(all[0]!.changes).toEqual({ description: { from: "v2", to: "v3" } });
    expect(all[0]!.requestId).toMatch(/\S/);

    const auditor = as((await hr.apiKeys.create({ name: "auditor", scopes: ["audit:read"] })).apiKey);
    expect((await auditor.auditLog.list({ targetId: webhook.id }).all()).map((e) => e.id)).toEqual(all.map((e) => e.id));
  });

  it("lets the admin key manage any account's keys and read its audit log", async () => {
    const admin = as(app.adminKey);
    const keys = admin.accounts.apiKeys(accountId);
    const issued = await keys.create({ name: "ops", scopes: ["webhooks:read"] });
    expect(issued).toMatchObject({ name: "ops", scopes: ["webhooks:read"] });
    expect((await keys.list().all()).map((k) => k.id)).toEqual(expect.arrayContaining([issued.id, (await ownKey()).id]));
    // The account sees the admin's key among its own.
    expect((await hr.apiKeys.list().all()).map((k) => k.id)).toContain(issued.id);

    const rotated = await keys.rotate(issued.id, { gracePeriodSeconds: 0 });
    await eventually(() => refused(app, issued.apiKey), "the rotated key refused");
    expect(await as(rotated.apiKey.apiKey).webhooks.list().all()).toEqual([]);
    expect(await keys.revoke(rotated.apiKey.id)).toMatchObject({ revokedAt: expect.any(String) });

    const entries = await admin.auditLog.list({ accountId, actorType: "admin", action: "api_key.rotated" }).all();
    expect(entries).toEqual([expect.objectContaining({ target: { type: "api_key", id: issued.id }, actor: { type: "admin", id: null, name: null } })]);
    expect((await hr.auditLog.list({ actorType: "admin" }).all()).map((e) => e.action)).toEqual(expect.arrayContaining(["api_key.revoked", "api_key.rotated", "api_key.created"]));

    await expect(admin.auditLog.list().first()).rejects.toBeInstanceOf(ValidationError);
    await expect(admin.accounts.apiKeys("acc_01JD2Z8Q3M4N5P6R7S8T9V0W1X").list().first()).rejects.toMatchObject({ name: "NotFoundError", status: 404 });
    // An account key cannot reach another account's keys.
    await expect(hr.accounts.apiKeys(accountId).list().first()).rejects.toBeInstanceOf(PermissionError);
  });

  it("lets the admin key set an account's retention, within the server's", async () => {
    const admin = as(app.adminKey);
    expect(await admin.accounts.get(accountId)).toMatchObject({ id: accountId, retentionDays: null });
    expect(await admin.accounts.update(accountId, { retentionDays: 7 })).toMatchObject({ retentionDays: 7 });
    await expect(admin.accounts.update(accountId, { retentionDays: 3650 })).rejects.toMatchObject({ status: 422, code: "retention_too_long" });
    await expect(hr.accounts.update(accountId, { retentionDays: 1 })).rejects.toBeInstanceOf(PermissionError);
    expect(await admin.accounts.update(accountId, { retentionDays: null })).toMatchObject({ retentionDays: null });
  });
});
