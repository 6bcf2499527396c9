import { startTestApp, type TestApp } from "../support/app";
import { captureLogs, type CapturedLogs } from "../support/log-capture";
import { aWebhook } from "../support/factories";

/** The token from a magic link: it travels in the fragment, which no server ever sees. */
const tokenOf = (url: string) => new URL(url).hash.replace(/^#token=/, "");

describe("portal sessions: magic link, session token, access, sign-out", () => {
  let app: TestApp;
  let logs: CapturedLogs;
  let acct: { accountId: string; apiKey: string };
  let webhookId: string;
  let now = Date.now();

  beforeAll(async () => {
    logs = captureLogs("debug");
    app = await startTestApp({ LOG_LEVEL: "debug", HOOKRELAY_PORTAL_LINK_TTL: "1m", HOOKRELAY_PORTAL_SESSION_TTL: "2h" }, { logger: logs.logger, clock: { now: () => new Date(now) } });
    acct = await app.newAccount("Acme");
    webhookId = (await aWebhook(app, acct.apiKey)).id;
  });
  afterAll(() => app.close());

  const link = async (body: Record<string, unknown> = {}, key = acct.apiKey) => {
    const res = await app.call("POST", "/v1/portal/sessions", { key, body });
    expect(res.status).toBe(201);
    return res.body;
  };
  const exchange = (token: string) => app.call("POST", "/v1/portal/session/exchange", { body: { token } });
  const signIn = async (body: Record<string, unknown> = {}) => {
    const res = await exchange(tokenOf((await link(body)).url));
    expect(res.status).toBe(200);
    return res.body.sessionToken as string;
  };

  it("answers a link to /portal/signin with the token in its fragment, and an expiry", async () => {
    const created = await link({ branding: { productName: "Acme Chat", accentColor: "#1F6FEB" }, locale: "ar" });
    const url = new URL(created.url);
    expect(url.origin).toBe(app.baseUrl);
    expect(url.pathname).toBe("/portal/signin");
    expect(url.search).toBe("");
    expect(tokenOf(created.url)).toMatch(/^hrpl_[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(created.linkExpiresAt) - now).toBe(60_000);
    expect(created).toMatchObject({ access: "manage", sessionTtlSeconds: 7200, id: expect.stringMatching(/^ps_/) });

    const res = await exchange(tokenOf(created.url));
    expect(res.status).toBe(200);
    expect(res.body.sessionToken).toMatch(/^hrps_/);
    expect(res.body.session).toEqual({
      id: created.id,
      accountId: acct.accountId,
      accountName: "Acme",
      access: "manage",
      locale: "ar",
      branding: { productName: "Acme Chat", accentColor: "#1f6feb" },
      expiresAt: new Date(now + 7_200_000).toISOString(),
    });
  });

  it("lets a link be opened once only: the second time says it was used", async () => {
    const token = tokenOf((await link()).url);
    expect((await exchange(token)).status).toBe(200);
    const again = await exchange(token);
    expect({ status: again.status, code: again.body.error.code }).toEqual({ status: 401, code: "portal_link_used" });
  });

  it("refuses an expired link and a forged one, each saying so", async () => {
    const token = tokenOf((await link()).url);
    now += 61_000;
    const expired = await exchange(token);
    expect({ status: expired.status, code: expired.body.error.code }).toEqual({ status: 401, code: "portal_link_expired" });
    const forged = await exchange(`hrpl_${"A".repeat(43)}`);
    expect({ status: forged.status, code: forged.body.error.code }).toEqual({ status: 401, code: "portal_link_invalid" });
    expect((await exchange("not even close")).body.error.code).toBe("portal_link_invalid");
  });

  it("gives one of two simultaneous openings of a link the session, and the other a refusal", async () => {
    const token = tokenOf((await link()).url);
    const both = await Promise.all([exchange(token), exchange(token)]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it("lets the session read and change the account's webhooks, and no other route", async () => {
    const session = await signIn();
    expect((await app.call("GET", "/v1/webhooks", { key: session })).body.data.map((w: { id: string }) => w.id)).toEqual([webhookId]);
    expect((await app.call("POST", `/v1/webhooks/${webhookId}/disable`, { key: session, body: {} })).body.status).toBe("disabled");
    // Routes that need an API key stay closed: emitting, keys, new portal links.
    for (const [method, path, body] of [
      ["POST", "/v1/events", { type: "message.created", data: {} }],
      ["POST", "/v1/portal/sessions", {}],
      ["POST", "/v1/event-types", { name: "x.y", description: "d" }],
    ] as const) {
      const res = await app.call(method, path, { key: session, body });
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
    }
  });

  it("refuses every change to a read-only session on the server, with read_only_session", async () => {
    const session = await signIn({ access: "read" });
    expect((await app.call("GET", `/v1/webhooks/${webhookId}`, { key: session })).status).toBe(200);
    const before = await app.container.db.webhook.findUniqueOrThrow({ where: { id: webhookId } });
    for (const [method, path, body] of [
      ["PATCH", `/v1/webhooks/${webhookId}`, { description: "changed" }],
      ["DELETE", `/v1/webhooks/${webhookId}`, undefined],
      ["POST", `/v1/webhooks/${webhookId}/enable`, {}],
      ["POST", `/v1/webhooks/${webhookId}/disable`, {}],
      ["POST", `/v1/webhooks/${webhookId}/rotate-secret`, {}],
      ["POST", `/v1/webhooks/${webhookId}/test`, {}],
      ["POST", "/v1/webhooks", { url: "http://127.0.0.1:1/x", verifyToken: "read-only-token-0001", eventTypes: ["message.created"] }],
    ] as const) {
      const res = await app.call(method, path, { key: session, body });
      expect({ path, method, status: res.status, code: res.body.error?.code }).toEqual({ path, method, status: 403, code: "read_only_session" });
    }
    expect(await app.container.db.webhook.findUniqueOrThrow({ where: { id: webhookId } })).toEqual(before);
  });

  it("ends the session on the server at sign-out: its token is refused from then on", async () => {
    const session = await signIn();
    expect((await app.call("GET", "/v1/portal/session", { key: session })).status).toBe(200);
    expect((await app.call("DELETE", "/v1/portal/session", { key: session })).status).toBe(204);
    const after = await app.call("GET", "/v1/webhooks", { key: session });
    expect({ status: after.status, code: after.body.error.code }).toEqual({ status: 401, code: "portal_session_ended" });
  });

  it("ends a session when its time is up, and when the account's backend ends it", async () => {
    const session = await signIn({ ttlSeconds: 300 });
    now += 301_000;
    expect((await app.call("GET", "/v1/portal/session", { key: session })).body.error.code).toBe("portal_session_expired");

    const created = await link();
    const token = (await exchange(tokenOf(created.url))).body.sessionToken;
    expect((await app.call("DELETE", `/v1/portal/sessions/${created.id}`, { key: acct.apiKey })).status).toBe(204);
    expect((await app.call("GET", "/v1/portal/session", { key: token })).body.error.code).toBe("portal_session_ended");
  });

  it("lets the admin start a session for a named account, and refuses an unknown one", async () => {
    const res = await app.call("POST", "/v1/portal/sessions", { key: app.adminKey, body: { accountId: acct.accountId, access: "read" } });
    expect(res.status).toBe(201);
    expect((await app.call("POST", "/v1/portal/sessions", { key: app.adminKey, body: { accountId: "acc_01M8000000000000000000000Z" } })).status).toBe(404);
    expect((await app.call("POST", "/v1/portal/sessions", { key: app.adminKey, body: {} })).status).toBe(400);
  });

  it("refuses bad branding, locale and lifetimes with field errors", async () => {
    for (const body of [{ branding: { accentColor: "red" } }, { locale: "de" }, { ttlSeconds: 10 }, { access: "admin" }, { branding: { productName: "x".repeat(61) } }]) {
      const res = await app.call("POST", "/v1/portal/sessions", { key: acct.apiKey, body });
      expect({ body, status: res.status, code: res.body.error.code }).toEqual({ body, status: 400, code: "validation_failed" });
    }
  });

  it("never writes a link token or a session token to the logs", async () => {
    const created = await link();
    const token = tokenOf(created.url);
    const session = (await exchange(token)).body.sessionToken as string;
    await app.call("GET", "/v1/webhooks", { key: session });
    await app.call("DELETE", "/v1/portal/session", { key: session });
    const text = logs.lines.join("");
    expect(text.length).toBeGreaterThan(0);
    expect(text.includes(token)).toBe(false);
    expect(text.includes(session)).toBe(false);
    expect(text.includes(token.slice(5, 25))).toBe(false);
  });
});
