import { createHmac } from "node:crypto";
import type { Locator, Page } from "playwright-core";
import { eventually, type TestApp } from "../support/app";
import type { TestBrowser } from "../support/browser";
import { aReceiver, aWebhook } from "../support/factories";
import { heading1, t, usePortalSuite } from "../support/portal";
import type { WebhookReceiver } from "../support/receivers";

const TOKEN = "portal-e2e-forms-token-0001";

interface StorageLike {
  length: number;
  key(i: number): string | null;
  getItem(k: string): string | null;
}

interface Issue {
  field: string;
  message: string;
  code: string;
  params?: Record<string, string | number | boolean | string[]>;
}

/**
 * The portal's forms against the real API: deleting after a confirmation, editing and saving
 * (and a refused handshake that changes nothing), a generated secret shown once with a working
 * Copy button, and the API's field errors tied to the fields they are about.
 */
describe("the portal's forms", () => {
  let app: TestApp;
  let key: string;
  let browser: TestBrowser;
  let page: Page;

  usePortalSuite({ env: { HOOKRELAY_RETRY_SCHEDULE: "0", HOOKRELAY_RETRY_JITTER: "0" }, account: "Forms Co" }, (s) => ({ app, key, browser, page } = s));

  const h1 = (name: string) => heading1(page, name);
  const receiverOfOurOwn = (token = TOKEN): Promise<WebhookReceiver> => aReceiver(app, token);
  const getWebhook = async (id: string) => app.call("GET", `/v1/webhooks/${id}`, { key });
  const webhookAt = async (url: string) => (await app.call("GET", "/v1/webhooks", { key })).body.data.find((w: { url: string }) => w.url === url);
  const handshakesTo = (r: WebhookReceiver) => r.requests.filter((req) => req.method === "GET").length;
  const openWebhook = async (url: string) => {
    await page.goto(`${app.baseUrl}/portal/webhooks`);
    await page.getByRole("link", { name: url, exact: true }).click();
    await h1(url).waitFor();
  };
  const openEdit = async (url: string) => {
    await openWebhook(url);
    await page.getByRole("link", { name: t("webhook.edit"), exact: true }).click();
    await h1(t("form.editTitle")).waitFor();
  };
  /** What the element's aria-describedby points at, as the texts of those elements. */
  const descriptionsOf = async (control: Locator): Promise<string[]> => {
    const ids = (await control.getAttribute("aria-describedby"))?.split(/\s+/).filter(Boolean) ?? [];
    return Promise.all(ids.map(async (id) => ((await page.locator(`[id="${id}"]`).textContent()) ?? "").trim()));
  };

  it("deletes a webhook only after confirmation: Cancel keeps it, Delete removes it from the list, and its address then says it was deleted", async () => {
    const keeper = await aWebhook(app, key, { token: TOKEN });
    const { receiver, id } = await aWebhook(app, key, { token: TOKEN });
    await openWebhook(receiver.url);
    const deleteButton = page.getByRole("button", { name: t("webhook.delete"), exact: true });
    const dialog = page.getByRole("dialog", { name: t("webhook.deleteTitle") });

    await deleteButton.click();
    await dialog.getByText(t("webhook.deleteBody", { url: receiver.url })).waitFor();
    await dialog.getByRole("button", { name: t("common.cancel"), exact: true }).click();
    await dialog.waitFor({ state: "hidden" });
    await h1(receiver.url).waitFor();
    expect((await getWebhook(id)).status).toBe(200);

    await deleteButton.click();
    await dialog.getByRole("button", { name: t("webhook.deleteConfirm"), exact: true }).click();
    await h1(t("webhooks.title")).waitFor();
    await page.getByRole("status").filter({ hasText: t("webhook.deleted") }).waitFor();
    // The list has loaded (the other webhook is in it) and the deleted one is not.
    await page.getByRole("link", { name: keeper.receiver.url, exact: true }).waitFor();
    expect(await page.getByRole("link", { name: receiver.url, exact: true }).count()).toBe(0);
    // Soft-deleted: still readable by id, as deleted, until retention removes it.
    const gone = await getWebhook(id);
    expect(gone).toMatchObject({ status: 200, body: { status: "deleted" } });
    await page.goto(`${app.baseUrl}/portal/webhooks/${id}`);
    await h1(receiver.url).waitFor();
    await page.getByText(t("deleted.title"), { exact: true }).waitFor();
    expect(await deleteButton.count()).toBe(0);
  });

  it("edits the description and event types through the form: saved, shown on the webhook's page and by the API, with no new handshake", async () => {
    const { receiver, id } = await aWebhook(app, key, { token: TOKEN, eventTypes: ["message.created"], description: "Before the edit" });
    const before = (await getWebhook(id)).body;
    const handshakes = handshakesTo(receiver);
    await openEdit(receiver.url);

    const description = page.getByLabel(t("form.description"), { exact: true });
    expect(await description.inputValue()).toBe("Before the edit");
    await description.fill("After the edit");
    await page.getByRole("checkbox", { name: "message.created", exact: true }).uncheck();
    await page.getByRole("checkbox", { name: "chat.status_changed", exact: true }).check();
    await page.getByRole("button", { name: t("form.save"), exact: true }).click();

    await h1(receiver.url).waitFor();
    expect(page.url()).toBe(`${app.baseUrl}/portal/webhooks/${id}`);
    const summary = page.getByRole("region", { name: t("webhook.summary") });
    await summary.getByText("After the edit", { exact: true }).waitFor();
    await summary.getByText("chat.status_changed", { exact: true }).waitFor();
    expect(await summary.getByText("message.created").count()).toBe(0);
    expect((await getWebhook(id)).body).toMatchObject({
      description: "After the edit",
      eventTypes: ["chat.status_changed"],
      url: before.url,
      verifyTokenHint: before.verifyTokenHint,
      status: "active",
    });
    // Neither the URL nor the token changed, so the handshake did not run again.
    expect(handshakesTo(receiver)).toBe(handshakes);
  });

  it("shows why, in plain words above the form, when a new URL fails the handshake, and changes nothing on the server", async () => {
    const { receiver, id } = await aWebhook(app, key, { token: TOKEN, description: "Stays as it is" });
    const before = (await getWebhook(id)).body;
    const failing = await receiverOfOurOwn("a-token-this-webhook-does-not-have");
    // What the API says for the same change, for comparison with what the page shows.
    const direct = await app.call("PATCH", `/v1/webhooks/${id}`, { key, body: { url: failing.url } });
    expect(direct.status).toBe(422);
    expect(direct.body.error.details).toMatchObject({ reason: "http_status", status: 403 });
    await openEdit(receiver.url);

    const urlField = page.getByLabel(t("form.url"), { exact: true });
    await urlField.fill(failing.url);
    await page.getByRole("button", { name: t("form.save"), exact: true }).click();

    const alert = page.getByRole("alert").filter({ hasText: t("form.handshakeFailed") });
    // The API's reason, said in the portal's words for it: the status the endpoint answered.
    await alert.getByText(t("handshake.httpStatus", { status: direct.body.error.details.status }), { exact: true }).waitFor();
    await h1(t("form.editTitle")).waitFor();
    // Above the form's fields, and where focus went so a keyboard or screen reader user meets it.
    expect((await alert.boundingBox())!.y).toBeLessThan((await urlField.boundingBox())!.y);
    expect(await alert.evaluate((el) => el.parentElement === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement)).toBe(true);
    // What was typed is kept, for the user to fix.
    expect(await urlField.inputValue()).toBe(failing.url);

    expect(handshakesTo(failing)).toBe(2);
    expect((await getWebhook(id)).body).toEqual(before);
  });

  it("shows a generated secret once, with a Copy button that puts it on the clipboard; after leaving the page only its hint is seen", async () => {
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.baseUrl });
    const receiver = await receiverOfOurOwn("");
    await page.getByRole("link", { name: t("webhooks.add"), exact: true }).click();
    await h1(t("form.addTitle")).waitFor();
    await page.getByLabel(t("form.url"), { exact: true }).fill(receiver.url);
    await page.getByLabel(t("form.dialect"), { exact: true }).selectOption({ label: t("dialect.standard-webhooks") });
    await page.getByText(t("form.verifyTokenOptional")).waitFor();
    await page.getByRole("checkbox", { name: "message.created", exact: true }).check();
    await page.getByRole("button", { name: t("form.create"), exact: true }).click();

    await page.getByText(t("form.secretTitle"), { exact: true }).waitFor();
    await page.getByText(t("form.secretBody"), { exact: true }).waitFor();
    const secret = await page.getByLabel(t("form.secretLabel"), { exact: true }).inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const key64 = secret.slice("whsec_".length);
    const made = await webhookAt(receiver.url);
    expect(made).toMatchObject({ dialect: "standard-webhooks", verifyTokenHint: `…${secret.slice(-4)}` });

    await page.getByRole("button", { name: `${t("common.copy")}: ${t("form.secretLabel")}`, exact: true }).click();
    await page.getByRole("status").and(page.getByText(t("common.copied"), { exact: true })).waitFor();
    const clipboard = await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText());
    expect(clipboard).toBe(secret);

    // It is the secret deliveries are signed with (Standard Webhooks: HMAC of "<id>.<timestamp>.<body>").
    await app.call("POST", "/v1/events", { key, body: { type: "message.created", data: { n: 1 } } });
    const delivery = await eventually(async () => receiver.deliveries[0], "the first delivery");
    const signed = `${String(delivery.headers["webhook-id"])}.${String(delivery.headers["webhook-timestamp"])}.${delivery.body.toString()}`;
    const expected = `v1,${createHmac("sha256", Buffer.from(key64, "base64")).update(signed).digest("base64")}`;
    expect(String(delivery.headers["webhook-signature"]).split(" ")).toContain(expected);

    // Where a secret could linger: the markup, any field's value, the text on screen, the page's storage.
    const secretOnPage = async () =>
      page.evaluate((needle) => {
        const g = globalThis as unknown as {
          document: { documentElement: { outerHTML: string; innerText: string }; querySelectorAll(s: string): ArrayLike<{ value: string }> };
          sessionStorage: StorageLike;
          localStorage: StorageLike;
        };
        const values = Array.from(g.document.querySelectorAll("input, textarea, select"), (el) => el.value);
        const stored = [g.sessionStorage, g.localStorage].flatMap((s) => Array.from({ length: s.length }, (_, i) => s.getItem(s.key(i) ?? "") ?? ""));
        const has = (texts: string[]) => texts.some((x) => x.includes(needle));
        return { inPage: has([g.document.documentElement.outerHTML, g.document.documentElement.innerText, ...values]), inStorage: has(stored) };
      }, key64);
    const nowhere = async (where: string) => expect({ where, ...(await secretOnPage()) }).toEqual({ where, inPage: false, inStorage: false });
    // The probe sees it where it is shown.
    expect(await secretOnPage()).toEqual({ inPage: true, inStorage: false });

    await page.getByRole("link", { name: t("form.secretContinue"), exact: true }).click();
    await h1(receiver.url).waitFor();
    const summary = page.getByRole("region", { name: t("webhook.summary") });
    await summary.getByText(made.verifyTokenHint, { exact: true }).waitFor();
    await nowhere("the webhook's page");
    // Back to where it was shown: the add form again, not the secret.
    await page.goBack();
    await h1(t("form.addTitle")).waitFor();
    await page.getByLabel(t("form.url"), { exact: true }).waitFor();
    await nowhere("the add page, reached with Back");
    await page.goto(`${app.baseUrl}/portal/webhooks/${made.id}/edit`);
    await page.getByText(t("form.verifyTokenKeep", { hint: made.verifyTokenHint }), { exact: true }).waitFor();
    await nowhere("the edit page");
    await page.goto(`${app.baseUrl}/portal/webhooks`);
    await page.getByRole("link", { name: receiver.url, exact: true }).waitFor();
    await nowhere("the webhooks list");
    expect(JSON.stringify((await getWebhook(made.id)).body)).not.toContain(key64);
  });

  it("puts the API's field errors next to their fields: aria-invalid, aria-describedby pointing at the message, and nothing added", async () => {
    const badUrl = "http://10.20.30.40/hook";
    const shortToken = "too-short";
    const direct = await app.call("POST", "/v1/webhooks", { key, body: { url: badUrl, verifyToken: shortToken, eventTypes: ["message.created"] } });
    expect(direct.status).toBe(400);
    const issues = direct.body.error.details.issues as Issue[];
    const issueFor = (field: string) => issues.find((i) => i.field === field);
    // The API says why as codes and params; the page says it in the catalog's words for them, not the API's English.
    const urlIssue = issueFor("body.url");
    const tokenIssue = issueFor("body.verifyToken");
    expect(urlIssue).toMatchObject({ code: "custom", params: { reason: "internal_address", address: "10.20.30.40", addressKind: "private" } });
    expect(tokenIssue).toMatchObject({ code: "too_small", params: { origin: "string", minimum: expect.any(Number) } });
    const expected = {
      [t("form.url")]: t("field.urlInternal", { address: String(urlIssue!.params!.address), kind: t("address.private"), range: String(urlIssue!.params!.range) }),
      [t("form.verifyToken")]: t("field.minLength", { minimum: Number(tokenIssue!.params!.minimum) }),
    };
    expect(Object.values(expected).every(Boolean)).toBe(true);
    expect(Object.values(expected)).not.toContain(urlIssue!.message);

    await page.getByRole("link", { name: t("webhooks.add"), exact: true }).click();
    await h1(t("form.addTitle")).waitFor();
    await page.getByLabel(t("form.url"), { exact: true }).fill(badUrl);
    await page.getByLabel(t("form.verifyToken"), { exact: true }).fill(shortToken);
    await page.getByRole("checkbox", { name: "message.created", exact: true }).check();
    await page.getByRole("button", { name: t("form.create"), exact: true }).click();

    await page.getByRole("alert").filter({ hasText: t("common.fieldErrors") }).waitFor();
    for (const [label, message] of Object.entries(expected)) {
      const control = page.getByLabel(label, { exact: true });
      // Next to the field: in the field's own group, right under the control.
      await control.locator("xpath=..").getByText(message!, { exact: true }).waitFor();
      expect({ label, invalid: await control.getAttribute("aria-invalid"), describedBy: await descriptionsOf(control) }).toEqual({
        label,
        invalid: "true",
        describedBy: expect.arrayContaining([message]),
      });
    }
    // The fields the API had nothing to say about are not marked.
    expect(await page.getByLabel(t("form.description"), { exact: true }).getAttribute("aria-invalid")).toBeNull();
    expect(await webhookAt(badUrl)).toBeUndefined();

    // Fixed, the form goes through.
    const receiver = await receiverOfOurOwn();
    await page.getByLabel(t("form.url"), { exact: true }).fill(receiver.url);
    await page.getByLabel(t("form.verifyToken"), { exact: true }).fill(TOKEN);
    await page.getByRole("button", { name: t("form.create"), exact: true }).click();
    await h1(receiver.url).waitFor();
    expect(await webhookAt(receiver.url)).toMatchObject({ status: "active", eventTypes: ["message.created"] });
  });
});
