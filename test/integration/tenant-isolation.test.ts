import { startTestApp, type TestApp } from "../support/app";
import { echoChallenge, startReceiver, type Receiver } from "../support/receivers";

const TOKEN = "isolation-token-000001";

/** Every account-scoped route, as account B would call it on account A's webhook. */
const SCOPED_CALLS: { label: string; method: string; path: (id: string) => string; body?: unknown }[] = [
  { label: "reading it", method: "GET", path: (id) => `/v1/webhooks/${id}` },
  { label: "changing its description", method: "PATCH", path: (id) => `/v1/webhooks/${id}`, body: { description: "taken over" } },
  { label: "pointing it elsewhere", method: "PATCH", path: (id) => `/v1/webhooks/${id}`, body: { url: "http://127.0.0.1:1/evil" } },
  { label: "re-verifying it", method: "POST", path: (id) => `/v1/webhooks/${id}/verify` },
  { label: "deleting it", method: "DELETE", path: (id) => `/v1/webhooks/${id}` },
];

describe("one account can neither see nor touch another's data", () => {
  let app: TestApp;
  let a: { accountId: string; apiKey: string };
  let b: { accountId: string; apiKey: string };
  let receiver: Receiver;
  let webhookOfA: { id: string };

  beforeAll(async () => {
    app = await startTestApp();
    a = await app.newAccount("A");
    b = await app.newAccount("B");
    receiver = await startReceiver(echoChallenge(TOKEN));
    const res = await app.call("POST", "/v1/webhooks", {
      key: a.apiKey,
      body: { url: receiver.url, verifyToken: TOKEN, eventTypes: ["message.created"] },
    });
    webhookOfA = res.body;
  });
  afterAll(async () => {
    await receiver.close();
    await app.close();
  });

  it.each(SCOPED_CALLS)("answers account B 404 for $label on A's webhook", async ({ method, path, body }) => {
    const handshakesBefore = receiver.requests.length;
    const res = await app.call(method, path(webhookOfA.id), { key: b.apiKey, body });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: "not_found", message: "webhook not found" } });
    expect(receiver.requests.length).toBe(handshakesBefore);
  });

  it("leaves A's webhook exactly as it was after B's attempts", async () => {
    const res = await app.call("GET", `/v1/webhooks/${webhookOfA.id}`, { key: a.apiKey });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(webhookOfA);
  });

  it("does not list A's webhooks to B", async () => {
    const res = await app.call("GET", "/v1/webhooks", { key: b.apiKey });
    expect(res.body.data).toEqual([]);
  });

  it("keeps account-defined event types private to their account", async () => {
    const created = await app.call("POST", "/v1/event-types", {
      key: a.apiKey,
      body: { name: "invoice.paid", description: "An invoice was paid" },
    });
    expect(created.status).toBe(201);
    const listB = await app.call("GET", "/v1/event-types", { key: b.apiKey });
    expect(listB.body.data.map((t: { name: string }) => t.name)).not.toContain("invoice.paid");

    const subscribe = await app.call("POST", "/v1/webhooks", {
      key: b.apiKey,
      body: { url: receiver.url, verifyToken: TOKEN, eventTypes: ["invoice.paid"] },
    });
    expect(subscribe.status).toBe(422);
    expect(subscribe.body.error.code).toBe("unknown_event_types");

    const sameNameForB = await app.call("POST", "/v1/event-types", {
      key: b.apiKey,
      body: { name: "invoice.paid", description: "B's own" },
    });
    expect(sameNameForB.status).toBe(201);
  });
});

describe("authentication and key kinds", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it.each([
    ["no header", {}],
    ["a non-bearer scheme", { authorization: "Basic dXNlcjpwYXNz" }],
    ["an unknown key", { authorization: "Bearer hr_AAAAAAAAAAAA_" + "A".repeat(43) }],
    ["garbage", { authorization: "Bearer nope" }],
  ])("answers 401 to %s", async (_label, headers) => {
    const res = await app.call("GET", "/v1/webhooks", { headers: headers as Record<string, string> });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthorized");
  });

  it("refuses a revoked key", async () => {
    const acct = await app.newAccount();
    await app.container.db.apiKey.updateMany({ where: { accountId: acct.accountId }, data: { revokedAt: new Date() } });
    expect((await app.call("GET", "/v1/webhooks", { key: acct.apiKey })).status).toBe(401);
  });

  it("keeps admin routes for the admin key", async () => {
    const acct = await app.newAccount();
    const res = await app.call("POST", "/v1/accounts", { key: acct.apiKey, body: { name: "sneaky" } });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("forbidden");
    const keys = await app.call("POST", `/v1/accounts/${acct.accountId}/api-keys`, { key: acct.apiKey, body: {} });
    expect(keys.status).toBe(403);
  });

  it("refuses the admin key on account routes, which need one account's key", async () => {
    const res = await app.call("GET", "/v1/webhooks", { key: app.adminKey });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/account's API key/);
  });

  it("lets the admin issue more keys for an account, each working on its own", async () => {
    const acct = await app.newAccount();
    const res = await app.call("POST", `/v1/accounts/${acct.accountId}/api-keys`, { key: app.adminKey, body: { name: "ci" } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: "ci", apiKey: expect.stringMatching(/^hr_/) });
    expect((await app.call("GET", "/v1/webhooks", { key: res.body.apiKey })).status).toBe(200);
    const missing = await app.call("POST", "/v1/accounts/acc_nope/api-keys", { key: app.adminKey, body: {} });
    expect(missing.status).toBe(404);
  });

  it("stores API keys only as hashes", async () => {
    const acct = await app.newAccount();
    const rows = await app.container.db.apiKey.findMany({ where: { accountId: acct.accountId } });
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(acct.apiKey.slice(16));
    expect(rows[0]!.keyHash).toMatch(/^[0-9a-f]{64}$/);
  });
});
