import type { Frame, Page } from "playwright-core";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { launchBrowser, type TestBrowser } from "../support/browser";
import { aWebhook } from "../support/factories";
import { dashboardFraming, startOtherSite, type OtherSite } from "../support/other-site";
import { createPortalLink, sessionToken, startPortalApp, t } from "../support/portal";

/**
 * The portal inside an iframe on the product's own dashboard: another site (localhost, while the
 * API is 127.0.0.1), in Chromium with third-party cookies blocked, so the frame has no cookies
 * and no sessionStorage. It works there for the origins HOOKRELAY_PORTAL_FRAME_ANCESTORS names,
 * refuses to be framed anywhere else, and a page on another site cannot change anything.
 */
describe("the portal embedded in another site's page", () => {
  let app: TestApp;
  let key: string;
  let browser: TestBrowser;
  let dashboard: OtherSite;
  let stranger: OtherSite;

  beforeAll(async () => {
    [dashboard, stranger] = await Promise.all([startOtherSite(), startOtherSite()]);
    // Two origins, comma- and space-separated: both forms are documented.
    app = await startPortalApp({ HOOKRELAY_PORTAL_FRAME_ANCESTORS: `https://dash.example.com, ${dashboard.origin}` });
    key = (await app.newAccount("Embedded Co")).apiKey;
    browser = await launchBrowser({ thirdPartyCookies: "blocked" });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await Promise.all([dashboard?.close(), stranger?.close()]);
  });

  let page: Page;
  beforeEach(async () => {
    page = await browser.newPage();
  });
  afterEach(async () => {
    await page.close();
  });

  /** The portal's frame once its document has loaded (its URL is the API's). */
  const portalFrame = async (): Promise<Frame> =>
    eventually(async () => page.frames().find((f) => f !== page.mainFrame() && f.url().startsWith(app.baseUrl)) ?? null, "the portal's frame");

  it("names exactly the configured origins in frame-ancestors on every /portal answer, and 'none' when none are configured", async () => {
    for (const path of ["/portal/", "/portal/signin", "/portal/webhooks/wh_nonexistent", `/portal/assets/none.js`]) {
      const res = await fetch(`${app.baseUrl}${path}`);
      const csp = res.headers.get("content-security-policy") ?? "";
      const ancestors = csp.split(";").map((d) => d.trim()).find((d) => d.startsWith("frame-ancestors"));
      expect({ path, ancestors }).toEqual({ path, ancestors: `frame-ancestors https://dash.example.com ${dashboard.origin}` });
      expect(csp).toContain("script-src 'self'");
    }
    const unframed = await startTestApp({});
    try {
      const res = await fetch(`${unframed.baseUrl}/portal/`);
      expect(res.headers.get("content-security-policy")).toMatch(/(^|;\s*)frame-ancestors 'none'(;|$)/);
    } finally {
      await unframed.close();
    }
  });

  it("signs in and works inside an iframe on an allowed origin, with no storage there", async () => {
    const { receiver } = await aWebhook(app, key, { eventTypes: ["message.created"] });
    const link = await createPortalLink(app, key);
    await page.goto(dashboard.page("/settings/webhooks", dashboardFraming(link.url)));

    const frame = page.frameLocator("#portal");
    await frame.getByRole("heading", { level: 1, name: t("webhooks.title") }).waitFor();
    await frame.getByRole("link", { name: receiver.url }).waitFor();
    const inFrame = await portalFrame();
    // The condition the portal must cope with: third-party storage throws in this frame.
    const storage = await inFrame.evaluate(() => {
      try {
        return `length ${(globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length}`;
      } catch (err) {
        return `threw ${(err as Error).name}`;
      }
    });
    expect(storage).toBe("threw SecurityError");
    // And it still works past the first page: open the webhook and pause it.
    await frame.getByRole("link", { name: receiver.url }).click();
    await frame.getByRole("button", { name: t("webhook.pause") }).click();
    await frame.getByText(t("webhook.paused")).waitFor();
    const list = await app.call("GET", "/v1/webhooks", { key });
    expect(list.body.data).toEqual([expect.objectContaining({ url: receiver.url, status: "disabled" })]);
  });

  it("refuses to be framed by an origin that is not allowed: the portal never runs there, so the link stays unused", async () => {
    const link = await createPortalLink(app, key);
    const refusals: string[] = [];
    page.on("console", (m) => {
      if (m.text().includes("frame-ancestors")) refusals.push(m.text());
    });
    await page.goto(stranger.page("/evil", dashboardFraming(link.url, "Somewhere else")));
    await eventually(async () => refusals.length > 0, "Chromium's frame-ancestors refusal", 5_000);
    expect(refusals[0]).toContain(`Framing '${app.baseUrl}/'`);
    expect(refusals[0]).toContain("blocked");
    const frame = page.frames().find((f) => f !== page.mainFrame())!;
    expect(frame.url()).not.toContain("/portal/");
    expect(await page.frameLocator("#portal").getByRole("heading").count()).toBe(0);

    // Had the portal run in the frame it would have spent the link; it works in a tab of its own.
    const own = await browser.newPage();
    try {
      await own.goto(link.url);
      await own.getByRole("heading", { level: 1, name: t("webhooks.title") }).waitFor();
    } finally {
      await own.close();
    }
  });

  it("refuses a cross-site request that tries to change something, and it changes nothing", async () => {
    const { id } = await aWebhook(app, key, { eventTypes: ["message.created"] });
    // A signed-in portal in one tab: were there a cookie or ambient credential, the attack would ride on it.
    const link = await createPortalLink(app, key);
    const portal = await browser.newPage();
    await portal.goto(link.url);
    await portal.getByRole("heading", { level: 1, name: t("webhooks.title") }).waitFor();
    const token = await sessionToken(portal);

    await page.goto(
      stranger.page(
        "/attack",
        `<!doctype html><html lang="en"><title>attack</title><body>
        <iframe name="sink" title="sink"></iframe>
        <form id="f" method="POST" target="sink" action="${app.baseUrl}/v1/webhooks/${id}/disable"><input name="x" value="1"></form>
        </body></html>`,
      ),
    );
    const answered = (path: string) => page.waitForResponse((r) => r.url() === `${app.baseUrl}${path}` && r.request().method() !== "OPTIONS");

    // 1. A form POST (no preflight): the server gets it, and refuses it.
    const formAnswer = answered(`/v1/webhooks/${id}/disable`);
    await page.evaluate(() => (globalThis as unknown as { document: { getElementById(id: string): { submit(): void } } }).document.getElementById("f").submit());
    expect((await formAnswer).status()).toBeGreaterThanOrEqual(400);
    expect((await formAnswer).status()).toBeLessThan(500);

    // 2. A "simple" no-cors fetch with credentials, to pause and to delete: sent, refused.
    for (const [method, path] of [
      ["POST", `/v1/webhooks/${id}/disable`],
      ["POST", `/v1/webhooks/${id}/rotate-secret`],
    ] as const) {
      const answer = answered(path);
      await page.evaluate(
        ({ url, method }) => (globalThis as unknown as { fetch: typeof fetch }).fetch(url, { method, mode: "no-cors", credentials: "include", body: "{}" }).then(() => undefined),
        { url: `${app.baseUrl}${path}`, method },
      );
      const status = (await answer).status();
      expect({ path, refused: status >= 400 && status < 500 }).toEqual({ path, refused: true });
    }

    // 3. A JSON fetch needs a CORS preflight, which the API does not grant: the browser never sends it.
    const cors = await page.evaluate(async (url) => {
      try {
        const res = await (globalThis as unknown as { fetch: typeof fetch }).fetch(url, { method: "DELETE", credentials: "include", headers: { "content-type": "application/json" } });
        return `answered ${res.status}`;
      } catch (err) {
        return `threw ${(err as Error).name}`;
      }
    }, `${app.baseUrl}/v1/webhooks/${id}`);
    expect(cors).toBe("threw TypeError");

    const after = await app.call("GET", `/v1/webhooks/${id}`, { key });
    expect(after.body).toMatchObject({ id, status: "active", previousSecretExpiresAt: null });

    // The same change with the portal's bearer token does go through: what stopped the attack
    // is that a page on another site holds no credential, not that the route is broken.
    const paused = await app.call("POST", `/v1/webhooks/${id}/disable`, { key: token, body: {} });
    expect(paused.status).toBe(200);
    expect((await app.call("GET", `/v1/webhooks/${id}`, { key })).body.status).toBe("disabled");
    await portal.close();
  });
});
