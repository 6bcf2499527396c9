import type { Locator, Page } from "playwright-core";
import { ar } from "../../portal/src/i18n/ar";
import { en, type MessageKey } from "../../portal/src/i18n/en";
import { eventually, type TestApp } from "../support/app";
import { expectNoSeriousA11yViolations, launchBrowser, screenshots, type TestBrowser } from "../support/browser";
import { aWebhook } from "../support/factories";
import { createPortalLink, signIn, startPortalApp, t as translate } from "../support/portal";
import type { Respond } from "../support/receivers";

/**
 * Every page of the portal in one language: it renders (with its data), axe-core finds no serious
 * or critical violation at desktop size and at 360 px, and its screenshots are written. Arabic
 * also lays out right to left. Shared by pages-en.test.ts and pages-ar.test.ts, one app each, so
 * jest's two workers run the languages side by side.
 */
const CATALOGS = { en, ar } as const;
export type PageLocale = keyof typeof CATALOGS;

const answer = (status: number, text = "ok"): Respond => (_req, res) => res.writeHead(status, { "content-type": "text/plain" }).end(text);

interface PortalPage {
  name: string;
  path: string;
  /** The page's h1. */
  heading: string;
  /** Something only the loaded page shows: the data is on screen, not just the frame. */
  ready(page: Page): Locator;
}

export function describeEveryPage(locale: PageLocale): void {
  const messages = CATALOGS[locale];
  const t = (key: MessageKey, vars: Record<string, string | number> = {}) => translate(key, vars, messages);

  describe(`every portal page in ${locale === "en" ? "English" : "Arabic"}`, () => {
    let app: TestApp;
    let key: string;
    let browser: TestBrowser;
    let page: Page;
    const ids = { healthy: "", healthyUrl: "", attempt: "", attemptType: "", event: "" };

    beforeAll(async () => {
      app = await startPortalApp({ HOOKRELAY_FAILURE_WARNING_THRESHOLD: "2", HOOKRELAY_RETRY_SCHEDULE: "0,50ms,50ms", HOOKRELAY_RETRY_JITTER: "0" });
      key = (await app.newAccount("Acme Messaging")).apiKey;
      // A list with something in every state: healthy, failing past the threshold, disabled by a 410.
      const healthy = await aWebhook(app, key, { eventTypes: ["message.created", "chat.status_changed"], description: "Order notifications" });
      const failing = await aWebhook(app, key, { eventTypes: ["message.created"] });
      failing.receiver.respond = answer(500, "upstream unavailable");
      const gone = await aWebhook(app, key, { eventTypes: ["message.created"] });
      gone.receiver.respond = answer(410, "gone");
      for (const [i, type] of ["message.created", "chat.status_changed", "message.created"].entries()) {
        const res = await app.call("POST", "/v1/events", { key, body: { type, data: { orderId: `ord_${1000 + i}`, text: "مرحبا / hello", total: 42.5 } } });
        ids.event = res.body.id;
      }
      await eventually(async () => {
        const list = (await app.call("GET", "/v1/webhooks", { key })).body.data as { id: string; health: string }[];
        const health = Object.fromEntries(list.map((w) => [w.id, w.health]));
        return health[failing.id] === "warning" && health[gone.id] === "disabled";
      }, "one failing and one disabled webhook");
      const attempts = await eventually(async () => {
        const res = await app.call("GET", `/v1/webhooks/${healthy.id}/deliveries`, { key });
        return res.body.data.length === 3 ? res.body.data : null;
      }, "the healthy webhook's attempts");
      Object.assign(ids, { healthy: healthy.id, healthyUrl: healthy.receiver.url, attempt: attempts[0].id, attemptType: attempts[0].eventType });
      browser = await launchBrowser({ locale: locale === "ar" ? "ar" : "en-US" });
      page = await browser.newPage();
      await signIn(page, app, key, { locale, branding: { productName: "Acme", accentColor: "#1d4ed8" } });
    });
    afterAll(async () => {
      await browser?.close();
      await app?.close();
    });

    const pages = (): PortalPage[] => [
      { name: "webhooks", path: "/webhooks", heading: t("webhooks.title"), ready: (p) => p.getByText(t("webhooks.warningTitle"), { exact: true }) },
      { name: "webhook", path: `/webhooks/${ids.healthy}`, heading: ids.healthyUrl, ready: (p) => p.getByText(t("stats.successRate"), { exact: true }) },
      { name: "webhook-new", path: "/webhooks/new", heading: t("form.addTitle"), ready: (p) => p.getByRole("checkbox", { name: "message.created" }) },
      { name: "webhook-edit", path: `/webhooks/${ids.healthy}/edit`, heading: t("form.editTitle"), ready: (p) => p.getByRole("button", { name: t("form.save"), exact: true }) },
      { name: "delivery-log", path: `/webhooks/${ids.healthy}/log`, heading: t("log.title"), ready: (p) => p.getByRole("table", { name: t("log.table") }).locator("tbody tr").first() },
      { name: "attempt", path: `/attempts/${ids.attempt}`, heading: "", ready: (p) => p.getByRole("heading", { name: t("attempt.request"), exact: true }) },
      { name: "events", path: "/events", heading: t("events.title"), ready: (p) => p.getByRole("link", { name: ids.event, exact: true }) },
      { name: "event", path: `/events/${ids.event}`, heading: t("event.title", { type: "message.created" }), ready: (p) => p.getByRole("heading", { name: t("event.deliveries"), exact: true }) },
      { name: "catalog", path: "/catalog", heading: t("catalog.title"), ready: (p) => p.getByRole("heading", { level: 2, name: /^message\.created/ }) },
      { name: "not-found", path: "/no-such-page", heading: t("notFound.title"), ready: (p) => p.getByRole("link", { name: t("notFound.home"), exact: true }) },
    ];

    /** Renders, passes axe at both sizes, is photographed. */
    async function check(p: Page, name: string, heading: string | null, ready: Locator) {
      if (heading) await p.getByRole("heading", { level: 1, name: heading, exact: true }).waitFor();
      await ready.waitFor();
      expect(await p.evaluate(() => (globalThis as unknown as { document: { documentElement: { dir: string; lang: string } } }).document.documentElement.dir)).toBe(locale === "ar" ? "rtl" : "ltr");
      await expectNoSeriousA11yViolations(p, `${name} (${locale}, desktop)`);
      await screenshots(p, name, locale);
      await p.setViewportSize({ width: 360, height: 800 });
      try {
        await expectNoSeriousA11yViolations(p, `${name} (${locale}, 360 px)`);
        // Usable at 360 px: nothing makes the page itself scroll sideways.
        const overflow = await p.evaluate(() => {
          const el = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
          return el.scrollWidth - el.clientWidth;
        });
        expect({ name, overflow }).toEqual({ name, overflow: 0 });
      } finally {
        await p.setViewportSize({ width: 1280, height: 800 });
      }
    }

    it("renders each signed-in page with its data, with no serious or critical axe violation, at desktop size and 360 px", async () => {
      for (const spec of pages()) {
        await page.goto(`${app.baseUrl}/portal${spec.path}`);
        const heading = spec.name === "attempt" ? t("attempt.title", { number: 1, eventType: ids.attemptType }) : spec.heading;
        await check(page, spec.name, heading, spec.ready(page));
      }
    }, 120_000);

    it(locale === "ar" ? "lays the page out right to left: the navigation starts at the right" : "lays the page out left to right: the navigation starts at the left", async () => {
      await page.goto(`${app.baseUrl}/portal/webhooks`);
      await page.getByRole("heading", { level: 1, name: t("webhooks.title"), exact: true }).waitFor();
      const html = await page.evaluate(() => {
        const el = (globalThis as unknown as { document: { documentElement: { dir: string; lang: string } } }).document.documentElement;
        return { dir: el.dir, lang: el.lang };
      });
      expect(html).toEqual(locale === "ar" ? { dir: "rtl", lang: "ar" } : { dir: "ltr", lang: "en" });
      const nav = page.getByRole("navigation", { name: t("app.nav") });
      const [first, second] = await Promise.all([t("nav.webhooks"), t("nav.events")].map(async (name) => (await nav.getByRole("link", { name, exact: true }).boundingBox())!));
      const width = page.viewportSize()!.width;
      if (locale === "ar") {
        expect(first!.x).toBeGreaterThan(second!.x);
        expect(first!.x + first!.width).toBeGreaterThan(width / 2);
      } else {
        expect(first!.x).toBeLessThan(second!.x);
        expect(first!.x).toBeLessThan(width / 2);
      }
      // The product's name from the session's branding is in the header.
      await page.getByText("Acme", { exact: true }).waitFor();
    });

    it("renders the pages outside a session (a used link, signed out) with no serious or critical axe violation", async () => {
      const link = await createPortalLink(app, key, { locale });
      const other = await browser.newPage();
      try {
        await other.goto(link.url);
        await other.getByRole("navigation").waitFor();
        await other.goto(link.url);
        await check(other, "link-used", t("link.used.title"), other.getByText(t("link.used.body")));
        const fresh = await createPortalLink(app, key, { locale });
        // From /portal/signin, the new link would differ only in its fragment: a same-document
        // navigation, which the portal does not read (reported). Leave the page first.
        await other.goto("about:blank");
        await other.goto(fresh.url);
        await other.getByRole("button", { name: t("app.signOut"), exact: true }).click();
        await check(other, "signed-out", t("session.signedOut.title"), other.getByText(t("session.signedOut.body")));
      } finally {
        await other.close();
      }
    });
  });
}
