import type { Locator, Page } from "playwright-core";
import { eventually, type TestApp } from "../support/app";
import type { TestBrowser } from "../support/browser";
import { aWebhook } from "../support/factories";
import type { RecordedRequest, WebhookReceiver } from "../support/receivers";
import { signIn, t, tPattern, usePortalSuite } from "../support/portal";

const TOKEN = "portal-e2e-log-token-0001";

/** What was emitted, in order: the receiver fails the ones marked `fail`. */
const EMITTED = [
  { type: "message.created", fail: false },
  { type: "chat.status_changed", fail: false },
  { type: "message.created", fail: true },
  { type: "message.created", fail: false },
  { type: "chat.status_changed", fail: true },
] as const;

/** A datetime-local value (the browser runs in UTC) `minutes` from now. */
const localInput = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString().slice(0, 16);

/**
 * The delivery log and the events list against real deliveries: emitted events show up, the
 * filters (outcome, type, date) live in the address so a reload or a bookmark shows the same
 * view, and an attempt's page shows exactly the bytes the receiver got.
 */
describe("the delivery log and events in the portal", () => {
  let app: TestApp;
  let key: string;
  let browser: TestBrowser;
  let page: Page;
  let receiver: WebhookReceiver;
  let webhookId: string;
  const eventIds: string[] = [];

  // One attempt per delivery: a failure stays one failed attempt.
  usePortalSuite({ env: { HOOKRELAY_RETRY_SCHEDULE: "0", HOOKRELAY_RETRY_JITTER: "0" }, account: "Log Co", seed }, (s) => ({ app, key, browser, page } = s));

  async function seed(app: TestApp, key: string) {
    ({ receiver, id: webhookId } = await aWebhook(app, key, { token: TOKEN, eventTypes: ["message.created", "chat.status_changed"] }));
    receiver.respond = (req, res) => {
      const failing = JSON.parse(req.body.toString()).data.fail === true;
      res.writeHead(failing ? 500 : 200, { "content-type": "text/plain" }).end(failing ? "boom" : "ok");
    };
    for (const [i, e] of EMITTED.entries()) {
      const res = await app.call("POST", "/v1/events", { key, body: { type: e.type, data: { seq: i, fail: e.fail, text: `héllo ${i} ✓` } } });
      expect(res.status).toBe(202);
      eventIds.push(res.body.id);
      // Attempts in emission order, so "newest first" is a known order.
      await eventually(async () => receiver.deliveries.length === i + 1, `delivery ${i}`);
    }
    await eventually(async () => (await app.call("GET", `/v1/webhooks/${webhookId}/deliveries`, { key })).body.data.length === EMITTED.length, "every attempt logged");
  }

  const logUrl = `/webhooks/{id}/log`;
  const openLog = async (p: Page = page) => {
    await p.goto(`${app.baseUrl}/portal${logUrl.replace("{id}", webhookId)}`);
    await p.getByRole("heading", { level: 1, name: t("log.title") }).waitFor();
  };
  /** The log's rows as [event type, status code, outcome], once the list settles to `n` rows. */
  const logRows = async (n: number, p: Page = page): Promise<string[][]> => {
    const table = p.getByRole("table", { name: t("log.table") });
    if (n === 0) {
      await p.getByText(t("log.emptyFiltered")).waitFor();
      expect(await table.count()).toBe(0);
      return [];
    }
    const rows = table.locator("tbody tr");
    await eventually(async () => (await rows.count()) === n, `${n} rows in the log`);
    return Promise.all((await rows.all()).map(async (r) => (await cells(r)).slice(1, 5).filter((_, i) => i !== 2)));
  };
  const cells = async (row: Locator) => (await row.locator("td").allInnerTexts()).map((c) => c.trim());
  const expected = (keep: (e: (typeof EMITTED)[number]) => boolean) =>
    EMITTED.filter(keep)
      .map((e) => [e.type, e.fail ? "500" : "200", e.fail ? t("outcome.failure") : t("outcome.success")])
      .reverse();
  /** Each cell's first line: the outcome cell goes on with the error's message. */
  const normalise = (rows: string[][]) => rows.map((r) => r.map((c) => c.split("\n")[0]!.trim()));

  it("lists every attempt newest first with its event type, status code and outcome", async () => {
    await page.goto(`${app.baseUrl}/portal/webhooks/${webhookId}`);
    await page.getByRole("link", { name: t("webhook.log") }).click();
    await page.getByRole("heading", { level: 1, name: t("log.title") }).waitFor();
    expect(normalise(await logRows(EMITTED.length))).toEqual(expected(() => true));
  });

  it("filters by outcome, event type and date, keeps the filters in the address, and shows the same view after a reload and from a bookmark", async () => {
    await openLog();
    const filters = page.getByRole("form", { name: t("log.filters") });
    await filters.getByLabel(t("log.outcome")).selectOption("failure");
    await filters.getByLabel(t("log.eventType")).selectOption("message.created");
    await filters.getByRole("button", { name: t("log.apply") }).click();
    const oneFailure = expected((e) => e.fail && e.type === "message.created");
    expect(normalise(await logRows(1))).toEqual(oneFailure);
    const query = new URL(page.url()).searchParams;
    expect(Object.fromEntries(query)).toEqual({ outcome: "failure", eventType: "message.created" });

    await filters.getByLabel(t("log.outcome")).selectOption("");
    await filters.getByRole("button", { name: t("log.apply") }).click();
    expect(normalise(await logRows(3))).toEqual(expected((e) => e.type === "message.created"));

    // Dates: nothing was sent after an hour from now, or before an hour ago.
    await filters.getByLabel(t("log.from")).fill(localInput(60));
    await filters.getByRole("button", { name: t("log.apply") }).click();
    await logRows(0);
    await filters.getByLabel(t("log.from")).fill("");
    await filters.getByLabel(t("log.to")).fill(localInput(-60));
    await filters.getByRole("button", { name: t("log.apply") }).click();
    await logRows(0);
    await filters.getByLabel(t("log.to")).fill(localInput(60));
    await filters.getByLabel(t("log.from")).fill(localInput(-60));
    await filters.getByLabel(t("log.outcome")).selectOption("success");
    await filters.getByRole("button", { name: t("log.apply") }).click();
    const view = expected((e) => !e.fail && e.type === "message.created");
    expect(normalise(await logRows(2))).toEqual(view);
    const bookmark = page.url();
    expect(new URL(bookmark).searchParams.get("from")).toBe(new Date(`${localInput(-60)}:00Z`).toISOString());

    await page.reload();
    await page.getByRole("heading", { level: 1, name: t("log.title") }).waitFor();
    expect(normalise(await logRows(2))).toEqual(view);
    expect(await filters.getByLabel(t("log.outcome")).inputValue()).toBe("success");
    expect(await filters.getByLabel(t("log.eventType")).inputValue()).toBe("message.created");

    // Shared: someone else signs in and opens the bookmarked address.
    const other = await browser.newPage();
    try {
      await signIn(other, app, key);
      await other.goto(bookmark);
      await other.getByRole("heading", { level: 1, name: t("log.title") }).waitFor();
      expect(normalise(await logRows(2, other))).toEqual(view);
    } finally {
      await other.close();
    }
  });

  it("opens an attempt and shows exactly the body that was sent, raw and formatted, with the signature masked", async () => {
    await openLog();
    await logRows(EMITTED.length);
    // The failed message.created attempt (the third event).
    const sent: RecordedRequest = receiver.deliveries.find((d) => JSON.parse(d.body.toString()).id === eventIds[2])!;
    const row = page.getByRole("table", { name: t("log.table") }).locator("tbody tr").nth(2);
    await row.getByRole("link", { name: tPattern("log.attemptLink") }).click();
    await page.getByRole("heading", { level: 1, name: t("attempt.title", { number: 1, eventType: "message.created" }) }).waitFor();

    const body = page.getByRole("region", { name: t("attempt.body"), exact: true });
    expect(await body.textContent()).toBe(JSON.stringify(JSON.parse(sent.body.toString("utf8")), null, 2));
    await page.getByRole("button", { name: t("attempt.showRaw") }).click();
    expect(Buffer.from((await body.textContent()) ?? "", "utf8").equals(sent.body)).toBe(true);

    const signature = sent.headers["x-hub-signature-256"] as string;
    const headers = page.getByRole("region", { name: t("attempt.headers") });
    const shown = await headers.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "x-hub-signature-256" }) }).locator("td").innerText();
    expect(shown).not.toBe(signature);
    expect(shown).not.toContain(signature.slice(7, 20));
    expect(await page.getByText(signature.slice(7)).count()).toBe(0);
    const answered = page.getByRole("region", { name: t("test.responseBody") });
    expect(await answered.textContent()).toBe("boom");
  });

  it("redelivers from an attempt's page: the receiver gets the same event again", async () => {
    await openLog();
    const before = receiver.deliveries.length;
    await page.getByRole("table", { name: t("log.table") }).locator("tbody tr").first().getByRole("link").click();
    await page.getByRole("button", { name: t("attempt.redeliver") }).click();
    await page.getByText(t("attempt.redelivered"), { exact: false }).waitFor();
    await eventually(async () => receiver.deliveries.length === before + 1, "the redelivery");
    expect(JSON.parse(receiver.deliveries.at(-1)!.body.toString()).id).toBe(eventIds.at(-1));
  });

  it("lists the emitted events, filters them by type, and shows an event's payload and its delivery", async () => {
    await page.getByRole("navigation").getByRole("link", { name: t("nav.events") }).click();
    await page.getByRole("heading", { level: 1, name: t("events.title") }).waitFor();
    const table = page.getByRole("table", { name: t("events.table") });
    for (const id of eventIds) await table.getByRole("link", { name: id, exact: true }).waitFor();

    await page.getByRole("form", { name: t("log.filters") }).getByLabel(t("events.type")).selectOption("chat.status_changed");
    await page.getByRole("button", { name: t("log.apply") }).click();
    const chatIds = eventIds.filter((_, i) => EMITTED[i]!.type === "chat.status_changed");
    await eventually(async () => (await table.locator("tbody tr").count()) === chatIds.length, "only chat.status_changed events");
    expect((await table.getByRole("link").allInnerTexts()).map((s) => s.trim())).toEqual([...chatIds].reverse());

    await table.getByRole("link", { name: chatIds[0], exact: true }).click();
    await page.getByRole("heading", { level: 1, name: t("event.title", { type: "chat.status_changed" }) }).waitFor();
    const payload = page.getByRole("region", { name: t("event.payload") }).getByRole("region", { name: t("event.payload") });
    expect(JSON.parse((await payload.textContent()) ?? "")).toEqual({ seq: 1, fail: false, text: "héllo 1 ✓" });
    const delivery = page.getByRole("region", { name: t("event.deliveriesTable") }).getByRole("row").filter({ has: page.getByRole("link", { name: webhookId }) });
    await delivery.getByRole("cell", { name: t("delivery.succeeded"), exact: true }).waitFor();
  });
});
