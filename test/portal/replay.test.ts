import type { Locator, Page } from "playwright-core";
import { ar } from "../../portal/src/i18n/ar";
import { en, type MessageKey } from "../../portal/src/i18n/en";
import { formattersFor } from "../../portal/src/i18n/format";
import { eventually, type TestApp } from "../support/app";
import { DESKTOP, expectAccessibleAtBothSizes, NARROW, screenshots, SCREENSHOT_DIR } from "../support/browser";
import { aWebhook } from "../support/factories";
import type { Respond, WebhookReceiver } from "../support/receivers";
import { fetchFromPage, heading1, sessionToken, signIn, t as translate, usePortalSuite } from "../support/portal";

const CATALOGS = { en, ar } as const;
type Locale = keyof typeof CATALOGS;
const TYPES = ["message.created", "chat.status_changed"];
/** How long a wait on the in-process worker may take on a loaded machine. */
const SLOW = 20_000;

const answer = (status: number, headers: Record<string, string> = {}): Respond => (_req, res) => res.writeHead(status, { "content-type": "text/plain", ...headers }).end(String(status));

interface Target {
  id: string;
  url: string;
  receiver: WebhookReceiver;
}

/** What a receiver got, event deliveries only, in arrival order: each one's type and its `seq`. */
const posts = (target: Target) =>
  target.receiver.deliveries.map((r) => {
    const body = JSON.parse(r.body.toString());
    return { type: body.type as string, seq: body.data.seq as number };
  });

/**
 * Bulk replay in the portal against the real API, runner and receivers: the form counts what
 * matches (a dry run), starts the replay and follows it to the end, cancels one under way; the
 * banner after re-enabling offers to replay what was skipped; a read-only session sees the
 * replays but can start or cancel none; a cancelled delivery and a deleted webhook read as such,
 * the deleted webhook's page offering nothing to do. English and Arabic, at 1280 and 360 px.
 */
describe("replaying deliveries in the portal", () => {
  let app: TestApp;
  let key: string;
  let page: Page;

  // One retry, 100 ms after the first attempt; replays start with a batch of 2, then 1 a second,
  // so that one of 10 is still running (some 8 s) when the test cancels it.
  usePortalSuite(
    { env: { HOOKRELAY_RETRY_SCHEDULE: "0,100ms", HOOKRELAY_RETRY_JITTER: "0", HOOKRELAY_REPLAY_RATE: "1", HOOKRELAY_REPLAY_BATCH: "2" }, account: "Replay Co" },
    (s) => ({ app, key, page } = s),
  );

  /** The status badge in `scope` that says exactly `text`. */
  const badge = (scope: Locator, text: string) => scope.locator(".badge").filter({ hasText: new RegExp(`^${text}$`) });
  const tr = (locale: Locale) => (k: MessageKey, vars: Record<string, string | number> = {}) => translate(k, vars, CATALOGS[locale]);

  async function aTarget(): Promise<Target> {
    const { id, receiver } = await aWebhook(app, key, { eventTypes: TYPES });
    return { id, url: receiver.url, receiver };
  }
  const answerWith = (target: Target, respond: Respond) => (target.receiver.respond = respond);

  async function emit(types: string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const [seq, type] of types.entries()) {
      const res = await app.call("POST", "/v1/events", { key, body: { type, data: { seq } } });
      expect(res.status).toBe(202);
      ids.push(res.body.id);
    }
    return ids;
  }

  /** The delivery of `eventId` to `webhookId`, once its status is `status`. */
  async function deliveryOnce(eventId: string, webhookId: string, status: string) {
    return eventually(async () => {
      const d = (await app.call("GET", `/v1/events/${eventId}`, { key })).body.deliveries?.find((x: { webhookId: string }) => x.webhookId === webhookId);
      return d?.status === status ? d : null;
    }, `the delivery of ${eventId} to be ${status}`, SLOW);
  }

  async function openWebhook(target: Target, locale: Locale, access: "manage" | "read" = "manage"): Promise<Locator> {
    if (locale !== "en" || access !== "manage") await signIn(page, app, key, { locale, access });
    await page.goto(`${app.baseUrl}/portal/webhooks/${target.id}`);
    await heading1(page, target.url).waitFor();
    const panel = page.getByRole("region", { name: tr(locale)("replay.title"), exact: true });
    await panel.waitFor();
    return panel;
  }

  /** The panel by itself at both sizes, and with the page: desktop scrolled to it, 360 px whole. */
  async function photograph(panel: Locator, name: string, locale: Locale, { page: withPage = true } = {}) {
    await page.setViewportSize(NARROW);
    await panel.screenshot({ path: `${SCREENSHOT_DIR}/${name}-section-${locale}-360.png` });
    await page.setViewportSize(DESKTOP);
    await panel.screenshot({ path: `${SCREENSHOT_DIR}/${name}-section-${locale}-desktop.png` });
    if (!withPage) return;
    await panel.evaluate((el) => el.scrollIntoView({ block: "start" }));
    await screenshots(page, name, locale);
  }

  it.each(["en", "ar"] as const)("counts what matches, starts the replay and follows it to completed; the receiver gets each one again (%s)", async (locale) => {
    const t = tr(locale);
    const fmt = formattersFor(locale);
    const target = await aTarget();
    answerWith(target, answer(500));
    const events = await emit(["message.created", "chat.status_changed", "message.created"]);
    for (const id of events) await deliveryOnce(id, target.id, "failed");
    answerWith(target, answer(200));
    const before = posts(target).length;

    const panel = await openWebhook(target, locale);
    await panel.getByText(t("replay.none"), { exact: true }).waitFor();
    await panel.getByRole("button", { name: t("replay.open"), exact: true }).click();
    const form = panel.getByRole("form", { name: t("replay.formLabel") });
    if (locale === "en") {
      // The API's refusal lands next to the field, in the viewer's words; nothing is counted.
      const until = form.getByLabel(t("replay.until"), { exact: true });
      await until.fill(new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 16));
      await form.getByRole("button", { name: t("replay.count"), exact: true }).click();
      await form.getByText(t("field.afterSince"), { exact: true }).waitFor();
      expect(await until.getAttribute("aria-invalid")).toBe("true");
      await until.fill("");
    }
    // The failed ones of one type: two of the three.
    await form.getByRole("checkbox", { name: "message.created", exact: true }).check();
    await form.getByRole("button", { name: t("replay.count"), exact: true }).click();
    await form.getByRole("status").getByText(t("replay.matched", { count: fmt.number(2) }), { exact: true }).waitFor();
    expect(posts(target).length).toBe(before);
    await expectAccessibleAtBothSizes(page, `the replay form with its count (${locale})`);
    await photograph(panel, "replay-form", locale, { page: false });

    await form.getByRole("button", { name: t("replay.start"), exact: true }).click();
    const progress = panel.getByRole("group", { name: new RegExp(`^${t("replay.current")}`) });
    await badge(progress, t("replay.status.completed")).waitFor({ timeout: SLOW });
    await progress.getByText(t("replay.progress", { replayed: fmt.number(2), matched: fmt.number(2) }), { exact: true }).waitFor();
    await eventually(async () => posts(target).length === before + 2, "the two replayed deliveries", SLOW);
    const replayed = posts(target).slice(before);
    expect(replayed.map((p) => p.type)).toEqual(["message.created", "message.created"]);
    expect(replayed.map((p) => p.seq).sort()).toEqual([0, 2]);
    // The list shows it too, finished.
    const rows = panel.getByRole("table", { name: t("replay.recent") }).locator("tbody tr");
    await eventually(async () => (await rows.count()) === 1, "one replay listed");
    await badge(rows.first(), t("replay.status.completed")).waitFor();
    expect(await panel.getByRole("button", { name: t("replay.cancel") }).count()).toBe(0);
    // The progress and the list: their right-to-left layout is the form's, checked above.
    if (locale === "en") await expectAccessibleAtBothSizes(page, "a completed replay");
    await photograph(panel, "replay", locale);
  }, 60_000);

  it("cancels a replay under way: nothing more is restarted after the answer", async () => {
    const t = tr("en");
    const target = await aTarget();
    answerWith(target, answer(500));
    const events = await emit(Array.from({ length: 10 }, () => "message.created"));
    for (const id of events) await deliveryOnce(id, target.id, "failed");
    answerWith(target, answer(200));
    const before = posts(target).length;

    const panel = await openWebhook(target, "en");
    await panel.getByRole("button", { name: t("replay.open"), exact: true }).click();
    await panel.getByRole("button", { name: t("replay.start"), exact: true }).click();
    const progress = panel.getByRole("group", { name: new RegExp(`^${t("replay.current")}`) });
    await badge(progress, t("replay.status.running")).waitFor();
    // A different replay while this one runs is refused (409); the form offers the running one.
    await panel.getByRole("button", { name: t("replay.open"), exact: true }).click();
    await panel.getByRole("checkbox", { name: t("delivery.skipped"), exact: true }).check();
    await panel.getByRole("button", { name: t("replay.start"), exact: true }).click();
    await panel.getByRole("alert").getByText(t("replay.inProgress"), { exact: true }).waitFor();
    await panel.getByRole("button", { name: t("replay.showRunning"), exact: true }).click();
    await panel.getByRole("form").waitFor({ state: "detached" });
    await progress.getByRole("button", { name: t("replay.cancel"), exact: true }).click();
    await badge(progress, t("replay.status.cancelled")).waitFor();
    expect(await progress.getByRole("button", { name: t("replay.cancel") }).count()).toBe(0);

    const list = (await app.call("GET", `/v1/webhooks/${target.id}/replays`, { key })).body.data;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ status: "cancelled", matched: 10 });
    expect(list[0].replayed).toBeLessThan(10);
    // What was restarted before the cancel is sent; nothing else, however long one waits.
    await eventually(async () => posts(target).length === before + list[0].replayed, "the deliveries restarted before the cancel", SLOW);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(posts(target).length).toBe(before + list[0].replayed);
    await progress.getByText(t("replay.progress", { replayed: String(list[0].replayed), matched: "10" }), { exact: true }).waitFor();
  }, 60_000);

  /**
   * Three webhooks (one per banner test), each with two deliveries skipped while it was paused
   * (seq 0 and 1) and one that failed before (seq 2), made at once: the wait for the retries to
   * come due is paid once. The first attempts of seq 0 and 1 ask for a retry in 2 s; the webhooks
   * are paused before it comes due, so those end skipped; seq 2 fails twice at once and ends failed.
   */
  let pausedSet: Promise<Target[]> | null = null;
  async function pausedWithSkipped(): Promise<Target[]> {
    const targets = [await aTarget(), await aTarget(), await aTarget()];
    for (const target of targets) {
      answerWith(target, (req, res) => {
        const seq = JSON.parse(req.body.toString()).data.seq as number;
        (seq === 2 ? answer(500) : answer(503, { "retry-after": "2" }))(req, res);
      });
    }
    const events = await emit(["message.created", "chat.status_changed", "message.created"]);
    for (const target of targets) {
      await deliveryOnce(events[2]!, target.id, "failed");
      await eventually(async () => posts(target).filter((p) => p.seq < 2).length === 2, "the first attempts of seq 0 and 1", SLOW);
    }
    for (const target of targets) expect((await app.call("POST", `/v1/webhooks/${target.id}/disable`, { key, body: {} })).status).toBe(200);
    for (const target of targets) {
      for (const id of events.slice(0, 2)) await deliveryOnce(id, target.id, "skipped");
      answerWith(target, answer(200));
    }
    return targets;
  }
  const pausedTarget = async (i: 0 | 1 | 2) => (await (pausedSet ??= pausedWithSkipped()))[i]!;

  async function resumeAndFindBanner(target: Target, locale: Locale): Promise<Locator> {
    const t = tr(locale);
    await openWebhook(target, locale);
    await page.getByRole("button", { name: t("webhook.resume"), exact: true }).click();
    const banner = page.locator(".callout-info").filter({ hasText: t("skipped.title", { count: formattersFor(locale).number(2) }) });
    await banner.waitFor();
    await banner.evaluate((el) => el.scrollIntoView({ block: "center" }));
    await screenshots(page, "replay-banner", locale);
    return banner;
  }

  it("offers, after re-enabling, to replay what was skipped while the webhook was off, and replays only that", async () => {
    const t = tr("en");
    const target = await pausedTarget(0);
    const before = posts(target).length;
    const banner = await resumeAndFindBanner(target, "en");
    await expectAccessibleAtBothSizes(page, "the skipped-deliveries banner");

    await banner.getByRole("button", { name: t("skipped.replay"), exact: true }).click();
    await page.getByRole("status").filter({ hasText: t("skipped.started") }).waitFor();
    await eventually(async () => posts(target).length === before + 2, "both skipped deliveries sent again", SLOW);
    expect(posts(target).slice(before).map((p) => p.seq).sort()).toEqual([0, 1]);
    const [replay] = (await app.call("GET", `/v1/webhooks/${target.id}/replays`, { key })).body.data;
    expect(replay).toMatchObject({ statuses: ["skipped"], matched: 2 });
    const panel = page.getByRole("region", { name: t("replay.title"), exact: true });
    await badge(panel.getByRole("group", { name: new RegExp(`^${t("replay.current")}`) }), t("replay.status.completed")).waitFor({ timeout: SLOW });
  }, 60_000);

  it("lets the banner be dismissed without replaying anything (ar)", async () => {
    const t = tr("ar");
    const target = await pausedTarget(1);
    const banner = await resumeAndFindBanner(target, "ar");
    await banner.getByRole("button", { name: t("skipped.dismiss"), exact: true }).click();
    await banner.waitFor({ state: "detached" });
    expect((await app.call("GET", `/v1/webhooks/${target.id}/replays`, { key })).body.data).toEqual([]);
  }, 60_000);

  it("offers the same on the webhooks list, where Re-enable is, and links to the replay's page", async () => {
    const t = tr("en");
    const target = await pausedTarget(2);
    await page.goto(`${app.baseUrl}/portal/webhooks`);
    const card = page.getByRole("listitem").filter({ has: page.getByRole("link", { name: target.url, exact: true }) });
    await card.getByRole("button", { name: t("webhooks.reenable"), exact: true }).click();
    const banner = card.locator(".callout-info").filter({ hasText: t("skipped.title", { count: 2 }) });
    await banner.getByRole("button", { name: t("skipped.replay"), exact: true }).click();
    await card.getByRole("link", { name: t("skipped.seeProgress"), exact: true }).click();
    await heading1(page, target.url).waitFor();
    const panel = page.getByRole("region", { name: t("replay.title"), exact: true });
    await panel.getByRole("table", { name: t("replay.recent") }).locator("tbody tr").first().waitFor();
    expect((await app.call("GET", `/v1/webhooks/${target.id}/replays`, { key })).body.data).toMatchObject([{ statuses: ["skipped"], matched: 2 }]);
  }, 60_000);

  it("shows no banner after re-enabling a webhook that skipped nothing", async () => {
    const t = tr("en");
    const target = await aTarget();
    expect((await app.call("POST", `/v1/webhooks/${target.id}/disable`, { key, body: {} })).status).toBe(200);
    await openWebhook(target, "en");
    await page.getByRole("button", { name: t("webhook.resume"), exact: true }).click();
    await page.getByText(t("webhook.resumed"), { exact: true }).waitFor();
    expect(await page.locator(".callout-info").count()).toBe(0);
  });

  it("shows a read-only session the replays but no way to start or cancel one", async () => {
    const t = tr("en");
    const target = await aTarget();
    const started = await app.call("POST", `/v1/webhooks/${target.id}/replay`, { key, body: { since: new Date(Date.now() - 3_600_000).toISOString() } });
    expect(started.status).toBe(202);
    const panel = await openWebhook(target, "en", "read");
    await panel.getByRole("table", { name: t("replay.recent") }).locator("tbody tr").first().waitFor();
    expect(await panel.getByRole("button").count()).toBe(0);
    expect(await page.getByRole("button", { name: t("replay.open") }).count()).toBe(0);
    // The API refuses it as well: the portal's hiding is not what keeps it out.
    const refused = await fetchFromPage(page, "POST", `/v1/webhooks/${target.id}/replay`, { token: await sessionToken(page), body: { since: new Date(Date.now() - 3_600_000).toISOString(), dryRun: true } });
    expect(refused).toMatchObject({ status: 403, body: { error: { code: "read_only_session" } } });
  });

  it.each(["en", "ar"] as const)("shows a deleted webhook read-only, its pending delivery cancelled, its log still there (%s)", async (locale) => {
    const t = tr(locale);
    const target = await aTarget();
    // Retried in an hour: still pending when the webhook is deleted.
    answerWith(target, answer(503, { "retry-after": "3600" }));
    const [eventId] = await emit(["message.created"]);
    const pending = await deliveryOnce(eventId!, target.id, "pending");
    await eventually(async () => (await app.call("GET", `/v1/deliveries/${pending.id}`, { key })).body.attemptCount === 1, "the first attempt", SLOW);
    expect((await app.call("DELETE", `/v1/webhooks/${target.id}`, { key })).status).toBe(204);

    await signIn(page, app, key, { locale });
    await page.goto(`${app.baseUrl}/portal/webhooks/${target.id}`);
    await heading1(page, target.url).waitFor();
    await page.getByText(t("deleted.title"), { exact: true }).waitFor();
    const summary = page.getByRole("region", { name: t("webhook.summary"), exact: true });
    await summary.getByRole("definition").filter({ hasText: new RegExp(`^${t("status.deleted")}$`) }).waitFor();
    // Nothing to do with it: no action, no form, no replay; only its statistics' period to pick.
    const buttons = await page.getByRole("main").getByRole("button").allInnerTexts();
    expect(buttons.map((b) => b.trim()).sort()).toEqual([t("stats.24h"), t("stats.7d")].sort());
    for (const name of [t("webhook.edit"), t("replay.title"), t("test.title"), t("rotate.title"), t("check.title")]) expect({ name, count: await page.getByText(name, { exact: true }).count() }).toEqual({ name, count: 0 });
    await expectAccessibleAtBothSizes(page, `a deleted webhook (${locale})`);
    await screenshots(page, "webhook-deleted", locale);

    await page.getByRole("link", { name: t("webhook.log"), exact: true }).click();
    await heading1(page, t("log.title")).waitFor();
    await page.getByText(t("log.deleted"), { exact: true }).waitFor();
    expect(await page.getByRole("table", { name: t("log.table") }).locator("tbody tr").count()).toBe(1);

    await page.goto(`${app.baseUrl}/portal/deliveries/${pending.id}`);
    await page.getByRole("definition").filter({ hasText: new RegExp(`^${t("delivery.cancelled")}$`) }).waitFor();
    await page.waitForLoadState("networkidle");
    expect(await page.getByRole("button", { name: t("attempt.redeliver") }).count()).toBe(0);
    await page.goto(`${app.baseUrl}/portal/events/${eventId}`);
    await page.getByRole("table", { name: t("event.deliveriesTable") }).getByText(t("delivery.cancelled"), { exact: true }).waitFor();
  }, 60_000);
});
