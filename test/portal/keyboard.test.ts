import type { Page } from "playwright-core";
import { pt } from "../../portal/src/i18n/pt";
import { eventually, type TestApp } from "../support/app";
import { expectNoSeriousA11yViolations, type TestBrowser } from "../support/browser";
import { aWebhook } from "../support/factories";
import { expectVisibleFocus, focused, hasFocus, pressUntilFocused } from "../support/keyboard";
import { createPortalLink, heading1, signIn, t, usePortalSuite } from "../support/portal";
import type { WebhookReceiver } from "../support/receivers";

const TOKEN = "portal-e2e-keyboard-token-01";

/**
 * The portal with the keyboard alone (issue #12: "keyboard-only use works, visible focus"), and
 * the Portuguese catalog on the two pages a customer sees most. Every interaction in the walk is
 * a key press; the test only reads the page.
 */
describe("the portal with the keyboard alone, and in Portuguese", () => {
  let app: TestApp;
  let key: string;
  let browser: TestBrowser;
  let page: Page;
  let receiver: WebhookReceiver;
  let webhookId: string;

  usePortalSuite(
    { env: { HOOKRELAY_RETRY_SCHEDULE: "0", HOOKRELAY_RETRY_JITTER: "0" }, account: "Keyboard Co", signedIn: false, seed },
    (s) => ({ app, key, browser, page } = s),
  );

  async function seed(app: TestApp, key: string) {
    ({ receiver, id: webhookId } = await aWebhook(app, key, { token: TOKEN, eventTypes: ["message.created", "chat.status_changed"], description: "Orders" }));
    receiver.respond = (_req, res) => res.writeHead(200, { "content-type": "text/plain" }).end("keyboard ok");
    await app.call("POST", "/v1/events", { key, body: { type: "message.created", data: { n: 1 } } });
    await eventually(async () => (await app.call("GET", `/v1/webhooks/${webhookId}/deliveries`, { key })).body.data.length === 1, "the event's attempt");
  }

  const h1 = (name: string) => heading1(page, name);
  const nav = () => page.getByRole("navigation", { name: t("app.nav") });

  it("signs in by link, reaches a webhook, sends a test event, opens and cancels the delete dialog and reaches the delivery log, by keyboard only, with focus always visible", async () => {
    const link = await createPortalLink(app, key);
    await page.goto(link.url);
    await h1(t("webhooks.title")).waitFor();

    // The first Tab lands on the skip link, drawn with a focus ring; Enter moves focus to the content.
    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: t("app.skipToContent"), exact: true });
    expect(await hasFocus(skip)).toBe(true);
    await expectVisibleFocus(page, "the skip link");
    await page.keyboard.press("Enter");
    expect(await hasFocus(page.locator("main"))).toBe(true);

    // Through the navigation: to Events and back to Webhooks.
    await pressUntilFocused(page, nav().getByRole("link", { name: t("nav.events"), exact: true }), { key: "Shift+Tab" });
    await expectVisibleFocus(page, "the Events link in the navigation");
    await page.keyboard.press("Enter");
    await h1(t("events.title")).waitFor();
    await pressUntilFocused(page, nav().getByRole("link", { name: t("nav.webhooks"), exact: true }), { key: "Shift+Tab" });
    await page.keyboard.press("Enter");
    await h1(t("webhooks.title")).waitFor();

    // Open the webhook from the list.
    await pressUntilFocused(page, page.getByRole("link", { name: receiver.url, exact: true }));
    await expectVisibleFocus(page, "the webhook's link in the list");
    await page.keyboard.press("Enter");
    await h1(receiver.url).waitFor();
    expect(page.url()).toBe(`${app.baseUrl}/portal/webhooks/${webhookId}`);

    // Send test event: pick the second type with the arrow key, send with Space, read the result.
    const test = page.getByRole("region", { name: t("test.title") });
    const typeSelect = test.getByLabel(t("test.eventType"));
    await pressUntilFocused(page, typeSelect);
    await expectVisibleFocus(page, "the test event's type selector");
    await page.keyboard.press("ArrowDown");
    expect(await typeSelect.inputValue()).toBe("chat.status_changed");
    await pressUntilFocused(page, test.getByRole("button", { name: t("test.send"), exact: true }), { max: 3 });
    await page.keyboard.press("Space");
    const result = test.getByRole("status").filter({ hasText: t("test.ok") });
    await result.getByText("200", { exact: true }).waitFor();
    await result.getByText("keyboard ok").waitFor();
    expect(receiver.deliveries.map((d) => JSON.parse(d.body.toString()).type)).toEqual(["message.created", "chat.status_changed"]);

    // The delete dialog: focus goes into it (on Cancel, the safe choice), stays inside on Tab,
    // and Escape closes it with focus back on the button that opened it and nothing deleted.
    const deleteButton = page.getByRole("button", { name: t("webhook.delete"), exact: true });
    await pressUntilFocused(page, deleteButton, { key: "Shift+Tab" });
    await expectVisibleFocus(page, "the Delete webhook button");
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: t("webhook.deleteTitle") });
    await dialog.waitFor();
    expect(await hasFocus(dialog.getByRole("button", { name: t("common.cancel"), exact: true }))).toBe(true);
    await expectVisibleFocus(page, "Cancel in the delete dialog");
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press("Tab");
      const inside = await dialog.evaluate((d) => d.contains((globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement as never));
      // Past the dialog's last control focus may go to the browser's own UI (nothing in the
      // page); it must never reach the page behind the modal.
      const where = await focused(page);
      expect({ press: i, inside: inside || where.description === "body" }).toEqual({ press: i, inside: true });
    }
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    expect(await hasFocus(deleteButton)).toBe(true);
    await expectVisibleFocus(page, "the Delete webhook button after Escape");
    expect((await app.call("GET", `/v1/webhooks/${webhookId}`, { key })).status).toBe(200);

    // The delivery log, and one attempt's detail from it.
    await pressUntilFocused(page, page.getByRole("link", { name: t("webhook.log"), exact: true }), { key: "Shift+Tab" });
    await page.keyboard.press("Enter");
    await h1(t("log.title")).waitFor();
    const rows = page.getByRole("table", { name: t("log.table") }).locator("tbody tr");
    await eventually(async () => (await rows.count()) === 2, "both attempts in the log");
    await pressUntilFocused(page, rows.first().getByRole("link"));
    await expectVisibleFocus(page, "the newest attempt's link in the log");
    await page.keyboard.press("Enter");
    await h1(t("attempt.title", { number: 1, eventType: "chat.status_changed" })).waitFor();
    expect(browser.pageErrors).toEqual([]);
  });

  describe("in Portuguese", () => {
    const tp = (k: Parameters<typeof t>[0], vars: Record<string, string | number> = {}) => t(k, vars, pt);

    it("shows the webhooks list and a webhook's page from the Portuguese catalog, lang pt on <html>, with no serious or critical axe violation", async () => {
      await signIn(page, app, key, { locale: "pt" });
      // A string Portuguese words differently, so the page is not English by accident.
      expect(tp("webhooks.add")).not.toBe(t("webhooks.add"));
      await page.getByRole("link", { name: tp("webhooks.add"), exact: true }).waitFor();
      await h1(tp("webhooks.title")).waitFor();
      await page.getByRole("link", { name: receiver.url, exact: true }).waitFor();
      const lang = () =>
        page.evaluate(() => {
          const html = (globalThis as unknown as { document: { documentElement: { lang: string; dir: string } } }).document.documentElement;
          return `${html.lang}/${html.dir}`;
        });
      expect(await lang()).toMatch(/^pt(-BR)?\/ltr$/);
      await expectNoSeriousA11yViolations(page, "webhooks list (pt)");

      await page.goto(`${app.baseUrl}/portal/webhooks/${webhookId}`);
      await h1(receiver.url).waitFor();
      await page.getByText(tp("stats.successRate"), { exact: true }).waitFor();
      await page.getByRole("region", { name: tp("test.title") }).waitFor();
      await page.getByRole("button", { name: tp("webhook.delete"), exact: true }).waitFor();
      expect(await lang()).toMatch(/^pt(-BR)?\/ltr$/);
      await expectNoSeriousA11yViolations(page, "webhook page (pt)");
    });
  });
});
