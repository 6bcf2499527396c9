import type { ServerResponse } from "node:http";
import type { Locator, Page } from "playwright-core";
import { ar } from "../../portal/src/i18n/ar";
import { en, type MessageKey } from "../../portal/src/i18n/en";
import { formattersFor } from "../../portal/src/i18n/format";
import type { TestApp } from "../support/app";
import { DESKTOP, expectAccessibleAtBothSizes, NARROW, screenshots, SCREENSHOT_DIR } from "../support/browser";
import { fetchFromPage, sessionToken, signIn, t as translate, usePortalSuite } from "../support/portal";
import { startReceiver, type RecordedRequest } from "../support/receivers";

const CATALOGS = { en, ar } as const;
type Locale = keyof typeof CATALOGS;
const TOKEN_1 = "history-verify-token-first-01";
const TOKEN_2 = "history-verify-token-second-02";

/** Answers any handshake, whatever the token: the webhook's token changes along the way. */
const anyChallenge = (req: RecordedRequest, res: ServerResponse) =>
  void res.writeHead(200).end(req.url.searchParams.get("hub.challenge") ?? "ok");

/**
 * The webhook page's History in a real browser: the audit log's entries about that webhook,
 * newest first, each with what happened, who did it (the API key by name; "you" for the
 * viewer's own session) and the fields that changed, a token only as "changed"; in English and
 * Arabic (right to left), to a read-only session too; axe finds nothing serious, and nothing
 * overflows at 360 px.
 */
describe("a webhook's history on its page", () => {
  let app: TestApp;
  let key: string;
  let page: Page;
  let webhookId = "";
  let url = "";
  let keyName = "";

  usePortalSuite(
    {
      account: "History Co",
      signedIn: false,
      seed: async (a, k) => {
        const receiver = await startReceiver(anyChallenge);
        a.onClose(() => receiver.close());
        url = receiver.url;
        const made = await a.call("POST", "/v1/webhooks", { key: k, body: { url, verifyToken: TOKEN_1, eventTypes: ["message.created"] } });
        expect(made.status).toBe(201);
        webhookId = made.body.id;
        const changed = await a.call("PATCH", `/v1/webhooks/${webhookId}`, { key: k, body: { description: "Orders", verifyToken: TOKEN_2, eventTypes: ["message.created", "chat.status_changed"] } });
        expect(changed.status).toBe(200);
        expect((await a.call("POST", `/v1/webhooks/${webhookId}/disable`, { key: k, body: { reason: "maintenance window" } })).status).toBe(200);
        keyName = (await a.container.db.apiKey.findFirstOrThrow({ where: { account: { webhooks: { some: { id: webhookId } } } } })).name;
      },
    },
    (s) => ({ app, key, page } = s),
  );

  async function openHistory(locale: Locale, access: "manage" | "read" = "read"): Promise<Locator> {
    await signIn(page, app, key, { locale, access });
    await page.goto(`${app.baseUrl}/portal/webhooks/${webhookId}`);
    await page.getByRole("heading", { level: 1, name: "Orders", exact: true }).or(page.getByRole("heading", { level: 1, name: url, exact: true })).first().waitFor();
    const section = page.getByRole("region", { name: translate("history.title", {}, CATALOGS[locale]), exact: true });
    await section.getByRole("listitem").first().waitFor();
    return section;
  }

  /** Each entry as the viewer reads it: badge, who, note, then "label: value" per changed field. */
  async function readItems(section: Locator) {
    return section.locator(".history-item").evaluateAll((items) =>
      items.map((li) => ({
        badge: li.querySelector(".history-badge")?.textContent?.trim(),
        who: li.querySelector(".history-who")?.textContent?.trim(),
        note: li.querySelector(".history-note")?.textContent?.trim() ?? null,
        fields: [...li.querySelectorAll(".history-field")].map((f) => `${f.querySelector("dt")?.textContent?.trim()}: ${f.querySelector("dd")?.textContent?.trim()}`),
      })),
    );
  }

  function expected(locale: Locale) {
    const m = CATALOGS[locale];
    const t = (k: MessageKey, vars: Record<string, string | number> = {}) => translate(k, vars, m);
    const arrow = locale === "ar" ? "←" : "→";
    const byKey = t("history.by.apiKey", { name: keyName });
    return [
      { badge: t("history.action.webhook.paused"), who: byKey, note: t("history.note", { note: "maintenance window" }), fields: [`${t("history.field.status")}: ${t("status.active")} ${arrow} ${t("status.disabled")}`] },
      {
        badge: t("history.action.webhook.updated"),
        who: byKey,
        note: null,
        fields: [
          `${t("history.field.description")}: ${t("history.none")} ${arrow} Orders`,
          `${t("history.field.eventTypes")}: message.created ${arrow} message.created, chat.status_changed`,
          `${t("history.field.verifyToken")}: ${t("history.changedSecret")}`,
        ],
      },
      { badge: t("history.action.webhook.created"), who: byKey, note: null, fields: [`${t("history.field.url")}: ${url}`, `${t("history.field.eventTypes")}: message.created`, `${t("history.field.dialect")}: meta`] },
    ];
  }


  it.each(["en", "ar"] as const)("lists who changed what and when, newest first, in the viewer's words (%s), to a read-only session", async (locale) => {
    const opened = Date.now();
    const section = await openHistory(locale, "read");
    expect(await readItems(section)).toEqual(expected(locale));
    // When: relative on screen ("3 seconds ago" as of some instant while the page rendered), the instant on the element.
    const time = section.locator(".history-item time.history-time").first();
    const iso = (await time.getAttribute("datetime"))!;
    const shown = await time.evaluate((el) => el.childNodes[0]?.textContent);
    const read = Date.now();
    const possible = new Set<string>();
    for (let at = opened; at <= read + 1_000; at += 250) possible.add(formattersFor(locale).relative(iso, Math.min(at, read)));
    expect([...possible]).toContain(shown);
    expect(await time.getAttribute("title")).toContain(new Date(iso).toISOString());
    // No token anywhere on the page, only that it changed.
    const html = await page.content();
    expect({ first: html.includes(TOKEN_1), second: html.includes(TOKEN_2) }).toEqual({ first: false, second: false });
    if (locale === "ar") {
      const badge = (await section.locator(".history-badge").first().boundingBox())!;
      const who = (await section.locator(".history-who").first().boundingBox())!;
      expect(badge.x).toBeGreaterThan(who.x);
    }
    await expectAccessibleAtBothSizes(page, `the history (${locale})`);
    await page.setViewportSize(NARROW);
    await section.screenshot({ path: `${SCREENSHOT_DIR}/history-section-${locale}-360.png` });
    await page.setViewportSize(DESKTOP);
    await section.screenshot({ path: `${SCREENSHOT_DIR}/history-section-${locale}-desktop.png` });
    await section.evaluate((el) => el.scrollIntoView({ block: "center" }));
    await screenshots(page, "history", locale);
  }, 60_000);

  it("says a change made in this portal session was made by you, and shows it as soon as it is made", async () => {
    const section = await openHistory("en", "manage");
    const before = await section.locator(".history-item").count();
    // Resume from the page, as the person would.
    await page.getByRole("button", { name: translate("webhook.resume"), exact: true }).first().click();
    await section.getByText(translate("history.action.webhook.enabled"), { exact: true }).waitFor();
    const [latest] = await readItems(section);
    expect(latest).toEqual({
      badge: translate("history.action.webhook.enabled"),
      who: translate("history.by.you"),
      note: null,
      fields: [`${translate("history.field.status")}: ${translate("status.disabled")} → ${translate("status.active")}`],
    });
    expect(await section.locator(".history-item").count()).toBe(before + 1);
    // What the API answered the page: the entry names this session.
    const res = await fetchFromPage(page, "GET", `${app.baseUrl}/v1/audit-log?targetId=${webhookId}&limit=1`, { token: await sessionToken(page) });
    expect(res.status).toBe(200);
  }, 60_000);
});
