import type { Locator, Page } from "playwright-core";
import { ar } from "../../portal/src/i18n/ar";
import { en, type MessageKey } from "../../portal/src/i18n/en";
import { formattersFor } from "../../portal/src/i18n/format";
import { INTL_TAG } from "../../portal/src/i18n/locale";
import { newId } from "../../src/lib/ids";
import type { OperationalEventType } from "../../src/operational/payloads";
import type { TestApp } from "../support/app";
import { DESKTOP, expectAccessibleAtBothSizes, launchBrowser, NARROW, screenshots, SCREENSHOT_DIR, type TestBrowser } from "../support/browser";
import { aWebhook } from "../support/factories";
import { expectVisibleFocus, pressUntilFocused } from "../support/keyboard";
import { insertNotice, noticePayload, type NoticeTarget } from "../support/notices";
import { signIn, startPortalApp, t as translate } from "../support/portal";

const CATALOGS = { en, ar } as const;
type Locale = keyof typeof CATALOGS;
const HOUR = 3_600_000;
const FAILING_SINCE = "2026-11-28T14:02:00.000Z";

/**
 * The webhook page's recent notices in a real browser: one notice of each type, seeded as the
 * emitter stores them, in English and in Arabic (right to left), each in its own words built
 * from its payload; the delivery given up on links to its page; a webhook without notices says
 * what would appear; axe finds nothing serious, and the keyboard reaches the link.
 */
describe("recent notices on a webhook's page", () => {
  let app: TestApp;
  let key: string;
  let browser: TestBrowser;
  let page: Page;
  let noisy: NoticeTarget;
  let quiet: NoticeTarget;
  const delivery = { id: "", eventId: "" };

  /** A delivery that ended failed after three attempts, written as the worker leaves one. */
  async function aFailedDelivery(w: NoticeTarget): Promise<void> {
    const db = app.container.db;
    const at = new Date(Date.now() - 3 * HOUR);
    const eventId = newId("evt", at.getTime());
    const id = newId("dlv", at.getTime());
    await db.event.create({ data: { id: eventId, accountId: w.accountId, type: "message.created", data: '{"orderId":"ord_1"}', createdAt: at } });
    await db.delivery.create({
      data: { id, accountId: w.accountId, webhookId: w.webhookId, eventId, eventType: "message.created", status: "failed", attemptCount: 3, lastAttemptAt: new Date(at.getTime() + 2 * 60_000), lastStatusCode: 500, lastError: "HTTP 500", createdAt: at },
    });
    for (const attemptNumber of [1, 2, 3]) {
      const startedAt = new Date(at.getTime() + (attemptNumber - 1) * 60_000);
      await db.deliveryAttempt.create({
        data: {
          id: newId("att", startedAt.getTime()),
          deliveryId: id,
          webhookId: w.webhookId,
          accountId: w.accountId,
          eventId,
          eventType: "message.created",
          attemptNumber,
          success: false,
          requestUrl: w.url,
          requestHeaders: {},
          responseStatus: 500,
          responseTimeMs: 12,
          responseBody: "upstream unavailable",
          errorMessage: "HTTP 500",
          startedAt,
        },
      });
    }
    Object.assign(delivery, { id, eventId });
  }

  beforeAll(async () => {
    app = await startPortalApp();
    const account = await app.newAccount("Notices Co");
    key = account.apiKey;
    const target = async () => {
      const { id, receiver } = await aWebhook(app, key);
      return { accountId: account.accountId, webhookId: id, url: receiver.url };
    };
    noisy = await target();
    quiet = await target();
    await aFailedDelivery(noisy);
    const sql = app.container.sql;
    // Oldest first: disabled 5 days ago, then failing, the delivery given up on, and recovered 3 hours ago.
    const seed: [OperationalEventType, number][] = [
      ["webhook.disabled", 5 * 24 * HOUR],
      ["webhook.failing", 2 * 24 * HOUR],
      ["delivery.exhausted", 24 * HOUR],
      ["webhook.recovered", 3 * HOUR],
    ];
    for (const [type, ago] of seed) {
      const data =
        type === "delivery.exhausted"
          ? noticePayload("delivery.exhausted", noisy, { delivery: { ...delivery, eventType: "message.created", attempts: 3 }, lastError: "HTTP 500", alsoExhausted: 2 })
          : type === "webhook.failing"
            ? noticePayload("webhook.failing", noisy, { consecutiveFailures: 5, failingSince: FAILING_SINCE, lastError: "HTTP 503" })
            : type === "webhook.recovered"
              ? noticePayload("webhook.recovered", noisy, { failingSince: FAILING_SINCE })
              : noticePayload(type, noisy);
      await insertNotice(sql, noisy, type, new Date(Date.now() - ago), data);
    }
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });
  afterEach(async () => {
    await page?.close();
  });

  /** What each notice should say in `locale`, newest first: its badge and its sentence. */
  function expected(locale: Locale): { badge: string; sentence: string; detail?: string }[] {
    const t = (k: MessageKey, vars: Record<string, string | number> = {}) => translate(k, vars, CATALOGS[locale]);
    const fmt = formattersFor(locale);
    // The browser runs in UTC (harness/browser.ts); so are these.
    const since = new Intl.DateTimeFormat(INTL_TAG[locale], { month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZone: "UTC" }).format(new Date(FAILING_SINCE));
    const lastError = (status: number) => `${t("webhooks.lastError")}: ${t("failure.http", { status })}`;
    return [
      { badge: t("notice.type.recovered"), sentence: t("notice.recoveredSince", { since }) },
      { badge: t("notice.type.exhausted"), sentence: t("notice.exhaustedMore", { delivery: delivery.id, attempts: fmt.number(3), count: fmt.number(2) }), detail: lastError(500) },
      { badge: t("notice.type.failing"), sentence: t("notice.failing", { since, count: fmt.number(5) }), detail: lastError(503) },
      { badge: t("notice.type.disabled"), sentence: t("notice.disabled.gone") },
    ];
  }

  async function openWebhook(locale: Locale, w: NoticeTarget, access: "manage" | "read" = "manage"): Promise<Locator> {
    page = await browser.newPage();
    await signIn(page, app, key, { locale, access });
    await page.goto(`${app.baseUrl}/portal/webhooks/${w.webhookId}`);
    await page.getByRole("heading", { level: 1, name: w.url, exact: true }).waitFor();
    const section = page.getByRole("region", { name: translate("notices.title", {}, CATALOGS[locale]), exact: true });
    await section.waitFor();
    return section;
  }

  /** The section, photographed by itself and with the page (desktop scrolled to it, 360 px whole). */
  async function photograph(section: Locator, name: string, locale: Locale) {
    await page.setViewportSize(NARROW);
    await section.screenshot({ path: `${SCREENSHOT_DIR}/${name}-section-${locale}-360.png` });
    await page.setViewportSize(DESKTOP);
    await section.screenshot({ path: `${SCREENSHOT_DIR}/${name}-section-${locale}-desktop.png` });
    // The desktop shot is of the viewport: the section in it, not the top of the page.
    await section.evaluate((el) => el.scrollIntoView({ block: "center" }));
    await screenshots(page, name, locale);
  }


  it.each(["en", "ar"] as const)("shows one notice of each type, newest first, in the viewer's words (%s), with when it happened", async (locale) => {
    const section = await openWebhook(locale, noisy);
    const items = section.getByRole("listitem");
    await items.first().waitFor();
    const want = expected(locale);
    expect(await items.count()).toBe(want.length);
    for (const [i, w] of want.entries()) {
      const item = items.nth(i);
      await item.getByText(w.badge, { exact: true }).waitFor({ timeout: 2_000 });
      expect({ i, sentence: (await item.locator("p").first().textContent())?.trim() }).toEqual({ i, sentence: w.sentence });
      if (w.detail) expect(((await item.locator("p").nth(1).textContent()) ?? "").trim()).toBe(w.detail);
      else expect(await item.locator("p").count()).toBe(1);
    }
    // When: relative on screen, the exact time on hover; the instant itself on the element.
    const recovered = items.first().locator("time");
    const iso = await recovered.getAttribute("datetime");
    const fmt = formattersFor(locale);
    expect(await recovered.getAttribute("title")).toContain(new Date(iso!).toISOString());
    expect(await recovered.evaluate((el) => el.childNodes[0]?.textContent)).toBe(fmt.relative(iso!, Date.now()));
    expect(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { dir: string } } }).document.documentElement.dir)).toBe(locale === "ar" ? "rtl" : "ltr");
    if (locale === "ar") {
      // Right to left: the badge starts at the right, the sentence to its left.
      const badge = (await items.first().locator(".badge").boundingBox())!;
      const sentence = (await items.first().locator("p").first().boundingBox())!;
      expect(badge.x).toBeGreaterThan(sentence.x);
    }
    await expectAccessibleAtBothSizes(page, `the notices (${locale})`);
    await photograph(section, "notices", locale);
  }, 60_000);

  it("links the delivery given up on to its page, which the keyboard reaches too", async () => {
    const section = await openWebhook("en", noisy);
    const link = section.getByRole("link", { name: delivery.id, exact: true });
    expect(await link.getAttribute("href")).toBe(`/portal/deliveries/${delivery.id}`);
    await pressUntilFocused(page, link, { what: "the delivery's link" });
    await expectVisibleFocus(page, "the delivery's link");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: translate("delivery.title", { eventType: "message.created" }), exact: true }).waitFor();
    expect(page.url()).toBe(`${app.baseUrl}/portal/deliveries/${delivery.id}`);
    // The delivery's page: its status and every attempt, each linking to what it sent.
    await page.getByRole("definition").filter({ hasText: translate("delivery.failed") }).waitFor();
    const rows = page.getByRole("table", { name: translate("delivery.attemptsTable") }).locator("tbody tr");
    expect(await rows.count()).toBe(3);
    await rows.first().getByRole("link", { name: /^Attempt 1, at / }).waitFor();
    expect(await rows.first().locator("td").first().textContent()).toBe("1");
    await page.getByRole("link", { name: delivery.eventId, exact: true }).waitFor();
    await expectAccessibleAtBothSizes(page, "a delivery's page");
    await screenshots(page, "delivery", "en");
  }, 60_000);

  it.each(["en", "ar"] as const)("says what would appear for a webhook without notices (%s), to a read-only session too", async (locale) => {
    const section = await openWebhook(locale, quiet, "read");
    const messages = CATALOGS[locale];
    await section.getByText(messages["notices.emptyTitle"], { exact: true }).waitFor();
    const types = new Intl.ListFormat(INTL_TAG[locale], { type: "disjunction" }).format(["webhook.disabled", "webhook.failing", "webhook.recovered", "delivery.exhausted"]);
    const body = section.locator(".empty p").last();
    expect((await body.textContent())?.trim()).toBe(messages["notices.emptyBody"].replace("{types}", types));
    expect(await body.locator("code").allTextContents()).toEqual(["webhook.disabled", "webhook.failing", "webhook.recovered", "delivery.exhausted"]);
    expect(await section.getByRole("listitem").count()).toBe(0);
    await expectAccessibleAtBothSizes(page, `the empty notices (${locale})`);
    await photograph(section, "notices-empty", locale);
  }, 60_000);
});
