import type { Page, Request } from "playwright-core";
import type { TestApp } from "../support/app";
import { launchBrowser, type TestBrowser } from "../support/browser";
import { aWebhook } from "../support/factories";
import { createPortalLink, fetchFromPage, sessionToken, signIn, startPortalApp, t } from "../support/portal";

/** A clock the test can move: links expire by it. */
const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };

/**
 * Getting in and out: the magic link (once, before it expires, never a forged one), sign-out
 * that ends the session on the server, a read-only session that can change nothing, and
 * another account's ids, which read as "not found".
 */
describe("portal sessions", () => {
  let app: TestApp;
  let key: string;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    app = await startPortalApp({ HOOKRELAY_PORTAL_LINK_TTL: "15m" }, { clock });
    key = (await app.newAccount("Acme Messaging")).apiKey;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });
  beforeEach(async () => {
    clock.offsetMs = 0;
    page = await browser.newPage();
  });
  afterEach(async () => {
    await page.close();
  });

  const heading = (p: Page, name: string) => p.getByRole("heading", { level: 1, name, exact: true });

  it("signs in by magic link: the token leaves the address at once and never travels in a URL", async () => {
    const { receiver } = await aWebhook(app, key, { eventTypes: ["message.created"] });
    const requested: string[] = [];
    page.on("request", (r: Request) => requested.push(r.url()));
    const link = await createPortalLink(app, key);
    expect(link.url).toMatch(new RegExp(`^${app.baseUrl}/portal/signin#token=hrpl_`));

    await page.goto(link.url);
    await heading(page, t("webhooks.title")).waitFor();
    await page.getByRole("link", { name: receiver.url }).waitFor();
    await page.getByText("Acme Messaging").waitFor();
    expect(page.url()).toBe(`${app.baseUrl}/portal/webhooks`);
    expect(await page.evaluate(() => (globalThis as unknown as { location: { hash: string } }).location.hash)).toBe("");
    expect(await sessionToken(page)).toMatch(/^hrps_/);
    // Neither the link's token nor the session's is ever in a URL a server or proxy would log.
    expect(requested.filter((u) => /hrp[ls]_/.test(u))).toEqual([]);
  });

  it("shows a used link's page when the link is opened a second time", async () => {
    const link = await createPortalLink(app, key);
    await page.goto(link.url);
    await heading(page, t("webhooks.title")).waitFor();

    const second = await browser.newPage();
    try {
      await second.goto(link.url);
      await heading(second, t("link.used.title")).waitFor();
      await second.getByText(t("link.used.body")).waitFor();
    } finally {
      await second.close();
    }
  });

  it("shows an expired link's page when the link is opened after its expiry", async () => {
    const link = await createPortalLink(app, key);
    clock.offsetMs = 16 * 60_000;
    await page.goto(link.url);
    await heading(page, t("link.expired.title")).waitFor();
    await page.getByText(t("link.expired.body")).waitFor();
  });

  it("shows an invalid link's page for a forged token", async () => {
    const link = await createPortalLink(app, key);
    const forged = link.url.replace(/#token=hrpl_(.)/, (_m, c: string) => `#token=hrpl_${c === "A" ? "B" : "A"}`);
    expect(forged).not.toBe(link.url);
    await page.goto(forged);
    await heading(page, t("link.invalid.title")).waitFor();
  });

  it("ends the session on the server at sign-out: the old token is then refused", async () => {
    await signIn(page, app, key);
    const token = await sessionToken(page);
    expect((await app.call("GET", "/v1/portal/session", { key: token })).status).toBe(200);

    await page.getByRole("button", { name: t("app.signOut") }).click();
    await heading(page, t("session.signedOut.title")).waitFor();

    const after = await app.call("GET", "/v1/portal/session", { key: token });
    expect(after.status).toBe(401);
    expect((await app.call("GET", "/v1/webhooks", { key: token })).status).toBe(401);
    // Nothing left in the tab either: a reload is signed out, not back in.
    await page.reload();
    await heading(page, t("session.none.title")).waitFor();
  });

  it("gives a read-only session no change controls, and the server refuses its changes", async () => {
    const { id, receiver } = await aWebhook(app, key, { eventTypes: ["message.created"] });
    const emitted = await app.call("POST", "/v1/events", { key, body: { type: "message.created", data: { text: "read only" } } });
    expect(emitted.status).toBe(202);
    const attempt = await eventuallyAttempt(id);

    await signIn(page, app, key, { access: "read" });
    await page.getByText(t("app.readOnly")).waitFor();
    await page.getByRole("link", { name: receiver.url }).waitFor();
    const changeControls = (names: string[]) => Promise.all(names.map(async (name) => [name, await page.getByRole("button", { name, exact: true }).or(page.getByRole("link", { name, exact: true })).count()]));
    expect(await changeControls([t("webhooks.add")])).toEqual([[t("webhooks.add"), 0]]);

    await page.getByRole("link", { name: receiver.url }).click();
    await heading(page, receiver.url).waitFor();
    await page.getByRole("heading", { name: t("stats.title") }).waitFor();
    const onWebhook = [t("webhook.edit"), t("webhook.pause"), t("webhook.resume"), t("webhook.delete"), t("test.send"), t("check.run"), t("rotate.submit"), t("webhooks.reenable")];
    expect(Object.fromEntries(await changeControls(onWebhook))).toEqual(Object.fromEntries(onWebhook.map((n) => [n, 0])));

    await page.goto(`${app.baseUrl}/portal/attempts/${attempt.id}`);
    await page.getByRole("heading", { name: t("attempt.request") }).waitFor();
    expect(await changeControls([t("attempt.redeliver")])).toEqual([[t("attempt.redeliver"), 0]]);

    // The server, not just the UI: the session's own token, sent from the page, is refused.
    const token = await sessionToken(page);
    const changes: [string, string, unknown][] = [
      ["POST", "/v1/webhooks", { url: receiver.url, verifyToken: "x".repeat(20), eventTypes: ["message.created"] }],
      ["PATCH", `/v1/webhooks/${id}`, { description: "changed" }],
      ["POST", `/v1/webhooks/${id}/disable`, {}],
      ["POST", `/v1/webhooks/${id}/enable`, {}],
      ["POST", `/v1/webhooks/${id}/rotate-secret`, {}],
      ["POST", `/v1/webhooks/${id}/test`, {}],
      ["POST", `/v1/webhooks/${id}/check-signature`, {}],
      ["POST", `/v1/deliveries/${attempt.deliveryId}/redeliver`, {}],
      ["DELETE", `/v1/webhooks/${id}`, undefined],
    ];
    for (const [method, path, body] of changes) {
      const res = await fetchFromPage(page, method, `${app.baseUrl}${path}`, { token, body });
      expect({ method, path, status: res.status, code: res.body?.error?.code }).toEqual({ method, path, status: 403, code: "read_only_session" });
    }
    // It can read (so the 403s are about access, not a broken token) and nothing changed.
    expect((await fetchFromPage(page, "GET", `${app.baseUrl}/v1/webhooks/${id}`, { token })).status).toBe(200);
    const after = await app.call("GET", `/v1/webhooks/${id}`, { key });
    expect(after.body).toMatchObject({ status: "active", description: null, previousSecretExpiresAt: null });
    expect((await app.call("GET", "/v1/webhooks", { key })).body.data.filter((w: { url: string }) => w.url === receiver.url)).toHaveLength(1);
    expect(receiver.deliveries).toHaveLength(1);
  });

  it("shows 'not found' for another account's webhook, attempt and event typed into the address", async () => {
    const other = await app.newAccount("Someone else");
    const theirs = await aWebhook(app, other.apiKey, { eventTypes: ["message.created"] });
    const emitted = await app.call("POST", "/v1/events", { key: other.apiKey, body: { type: "message.created", data: { secret: "theirs" } } });
    const attempt = await eventuallyAttempt(theirs.id, other.apiKey);

    await signIn(page, app, key);
    for (const path of [`/webhooks/${theirs.id}`, `/webhooks/${theirs.id}/log`, `/webhooks/${theirs.id}/edit`, `/attempts/${attempt.id}`, `/events/${emitted.body.id}`]) {
      await page.goto(`${app.baseUrl}/portal${path}`);
      await heading(page, t("notFound.title")).waitFor();
      expect({ path, leaked: await page.getByText(theirs.receiver.url).count() }).toEqual({ path, leaked: 0 });
    }
  });

  /** The first attempt logged for a webhook, once there is one. */
  async function eventuallyAttempt(webhookId: string, apiKey = key): Promise<{ id: string; deliveryId: string }> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const res = await app.call("GET", `/v1/webhooks/${webhookId}/deliveries`, { key: apiKey });
      if (res.status === 200 && res.body.data.length > 0) return res.body.data[0];
      if (Date.now() > deadline) throw new Error(`no attempt logged for ${webhookId}: ${res.status} ${JSON.stringify(res.body)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
});
