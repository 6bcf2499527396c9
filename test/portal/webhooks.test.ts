import { createHmac } from "node:crypto";
import type { Page } from "playwright-core";
import { eventually, type TestApp } from "../support/app";
import { aReceiver, aWebhook } from "../support/factories";
import { expectedHubSignature, type Respond, type WebhookReceiver } from "../support/receivers";
import { heading1, t, usePortalSuite } from "../support/portal";

const TOKEN = "portal-e2e-verify-token-01";
const answer = (status: number, text = "ok"): Respond => (_req, res) => res.writeHead(status, { "content-type": "text/plain" }).end(text);
/** An endpoint that checks X-Hub-Signature-256 (HMAC-SHA256 of the raw body with `secret`). */
const verifyingSignatures = (secret: string): Respond => (req, res) => {
  const good = `sha256=${createHmac("sha256", secret).update(req.body).digest("hex")}`;
  res.writeHead(req.headers["x-hub-signature-256"] === good ? 200 : 401, { "content-type": "text/plain" }).end(req.headers["x-hub-signature-256"] === good ? "ok" : "bad signature");
};

/**
 * Managing webhooks in the portal against real receivers: adding one (the handshake passes or
 * fails, in plain words), a test event, the signature check, rotating the secret, pausing and
 * resuming, the failure warning, and a 410 that disables a webhook until it is re-enabled.
 */
describe("managing webhooks in the portal", () => {
  let app: TestApp;
  let key: string;
  let page: Page;

  usePortalSuite(
    { env: { HOOKRELAY_FAILURE_WARNING_THRESHOLD: "2", HOOKRELAY_RETRY_SCHEDULE: "0,50ms,50ms", HOOKRELAY_RETRY_JITTER: "0" }, account: "Webhook Co" },
    (s) => ({ app, key, page } = s),
  );

  const h1 = (name: string) => heading1(page, name);
  const receiverOfOurOwn = (token = TOKEN): Promise<WebhookReceiver> => aReceiver(app, token);
  const webhookNamed = async (url: string) => (await app.call("GET", "/v1/webhooks", { key })).body.data.find((w: { url: string }) => w.url === url);
  const openWebhook = async (url: string) => {
    await page.goto(`${app.baseUrl}/portal/webhooks`);
    await page.getByRole("link", { name: url, exact: true }).click();
    await h1(url).waitFor();
  };

  async function fillAddForm(url: string, token: string, eventTypes: string[]) {
    await page.getByRole("link", { name: t("webhooks.add") }).click();
    await h1(t("form.addTitle")).waitFor();
    await page.getByLabel(t("form.url")).fill(url);
    await page.getByLabel(t("form.verifyToken")).fill(token);
    for (const type of eventTypes) await page.getByRole("checkbox", { name: type, exact: true }).check();
    await page.getByRole("button", { name: t("form.create") }).click();
  }

  it("adds a webhook whose receiver passes the handshake, and shows it", async () => {
    const receiver = await receiverOfOurOwn();
    await fillAddForm(receiver.url, TOKEN, ["message.created", "chat.status_changed"]);

    await h1(receiver.url).waitFor();
    const handshakes = receiver.requests.filter((r) => r.method === "GET");
    expect(handshakes).toHaveLength(1);
    expect(handshakes[0]!.url.searchParams.get("hub.verify_token")).toBe(TOKEN);
    const made = await webhookNamed(receiver.url);
    expect(made).toMatchObject({ status: "active", eventTypes: ["message.created", "chat.status_changed"], dialect: "meta" });
    expect(page.url()).toBe(`${app.baseUrl}/portal/webhooks/${made.id}`);
  });

  it("shows why, in plain words, when the receiver fails the handshake, and adds nothing", async () => {
    const receiver = await receiverOfOurOwn("the-token-the-endpoint-expects");
    // What the API says for the same request, for comparison with what the page shows.
    const direct = await app.call("POST", "/v1/webhooks", { key, body: { url: receiver.url, verifyToken: TOKEN, eventTypes: ["message.created"] } });
    expect(direct.status).toBe(422);
    expect(direct.body.error.message).toContain("403");
    expect(direct.body.error.details).toMatchObject({ reason: "http_status", status: 403 });

    await fillAddForm(receiver.url, TOKEN, ["message.created"]);
    const alert = page.getByRole("alert");
    await alert.getByText(t("form.handshakeFailed")).waitFor();
    // The API's reason (its details, not its English message) in the portal's catalog wording.
    await alert.getByText(t("handshake.httpStatus", { status: direct.body.error.details.status }), { exact: true }).waitFor();
    await h1(t("form.addTitle")).waitFor();
    expect(await webhookNamed(receiver.url)).toBeUndefined();
  });

  it("sends a test event and shows the endpoint's 200 inline", async () => {
    const { receiver } = await aWebhook(app, key, { eventTypes: ["message.created", "chat.status_changed"], token: TOKEN });
    receiver.respond = answer(200, "thanks from the receiver");
    await openWebhook(receiver.url);

    const panel = page.getByRole("region", { name: t("test.title") });
    await panel.getByLabel(t("test.eventType")).selectOption("chat.status_changed");
    await panel.getByRole("button", { name: t("test.send") }).click();
    const result = panel.getByRole("status").filter({ hasText: t("test.ok") });
    await result.waitFor();
    await result.getByText("200", { exact: true }).waitFor();
    await result.getByText("thanks from the receiver").waitFor();
    expect(receiver.deliveries).toHaveLength(1);
    expect(JSON.parse(receiver.deliveries[0]!.body.toString()).type).toBe("chat.status_changed");
  });

  it("tells an endpoint that verifies signatures from one that accepts anything", async () => {
    const verifying = await aWebhook(app, key, { token: TOKEN });
    verifying.receiver.respond = verifyingSignatures(TOKEN);
    const lax = await aWebhook(app, key, { token: TOKEN });
    lax.receiver.respond = answer(200);

    for (const [receiver, verdict] of [
      [verifying.receiver, t("check.verifies")],
      [lax.receiver, t("check.accepts_bad_signature")],
    ] as const) {
      await openWebhook(receiver.url);
      const panel = page.getByRole("region", { name: t("check.title") });
      await panel.getByRole("button", { name: t("check.run") }).click();
      await panel.getByText(verdict, { exact: true }).waitFor();
      // Two probes reached the endpoint: one signed right, one wrong.
      const probes = receiver.deliveries.map((d) => d.headers["x-hub-signature-256"] === expectedHubSignature(d.body, TOKEN));
      expect(probes.sort()).toEqual([false, true]);
    }
  });

  it("rotates the secret: the new one is shown once; with a grace period the old one still signs until it ends (meta signs with one), with none the new one signs at once", async () => {
    const { receiver, id } = await aWebhook(app, key, { token: TOKEN });
    await openWebhook(receiver.url);
    const panel = page.getByRole("region", { name: t("rotate.title") });
    const sendTest = async () => {
      const before = receiver.deliveries.length;
      const test = page.getByRole("region", { name: t("test.title") });
      await test.getByRole("button", { name: t("test.send") }).click();
      await eventually(async () => receiver.deliveries.length > before, "the test event to arrive");
      return receiver.deliveries.at(-1)!;
    };
    const rotate = async (secret: string, grace: string) => {
      await panel.getByLabel(t("rotate.grace")).selectOption({ label: grace });
      await panel.getByLabel(t("rotate.secret"), { exact: true }).fill(secret);
      await panel.getByRole("button", { name: t("rotate.submit") }).click();
      await panel.getByText(t("form.secretTitle")).waitFor();
      expect(await panel.getByLabel(t("rotate.newSecret"), { exact: true }).inputValue()).toBe(secret);
    };

    const SECOND = "portal-e2e-rotated-secret-02";
    await rotate(SECOND, t("rotate.grace1h"));
    await panel.getByText(t("rotate.oldUntil")).waitFor();
    const afterFirst = (await app.call("GET", `/v1/webhooks/${id}`, { key })).body;
    const graceMs = new Date(afterFirst.previousSecretExpiresAt).getTime() - Date.now();
    expect(graceMs).toBeGreaterThan(55 * 60_000);
    expect(graceMs).toBeLessThanOrEqual(60 * 60_000);
    await panel.locator(`time[datetime="${afterFirst.previousSecretExpiresAt}"]`).waitFor();
    const during = await sendTest();
    expect(during.headers["x-hub-signature-256"]).toBe(expectedHubSignature(during.body, TOKEN));

    const THIRD = "portal-e2e-rotated-secret-03";
    await rotate(THIRD, t("rotate.grace0"));
    await panel.getByText(t("rotate.oldStopped")).waitFor();
    const now = await sendTest();
    expect(now.headers["x-hub-signature-256"]).toBe(expectedHubSignature(now.body, THIRD));
  });

  it("pauses and resumes a webhook: paused, nothing is delivered; resumed, the handshake runs again", async () => {
    const { receiver, id } = await aWebhook(app, key, { token: TOKEN });
    await openWebhook(receiver.url);

    await page.getByRole("button", { name: t("webhook.pause"), exact: true }).click();
    await page.getByText(t("webhook.paused")).waitFor();
    expect((await app.call("GET", `/v1/webhooks/${id}`, { key })).body.status).toBe("disabled");
    const emitted = await app.call("POST", "/v1/events", { key, body: { type: "message.created", data: { while: "paused" } } });
    const event = await app.call("GET", `/v1/events/${emitted.body.id}`, { key });
    expect(event.body.deliveries.filter((d: { webhookId: string }) => d.webhookId === id)).toEqual([]);

    const handshakesBefore = receiver.requests.filter((r) => r.method === "GET").length;
    await page.getByRole("button", { name: t("webhook.resume"), exact: true }).click();
    await page.getByText(t("webhook.resumed")).waitFor();
    expect((await app.call("GET", `/v1/webhooks/${id}`, { key })).body.status).toBe("active");
    expect(receiver.requests.filter((r) => r.method === "GET").length).toBe(handshakesBefore + 1);
    await page.getByRole("button", { name: t("webhook.pause"), exact: true }).waitFor();
  });

  it("shows the failure warning, with the count, the last error and since when, once failures reach the threshold", async () => {
    const { receiver, id } = await aWebhook(app, key, { token: TOKEN, description: "failing endpoint" });
    receiver.respond = answer(500, "database down");
    await app.call("POST", "/v1/events", { key, body: { type: "message.created", data: { n: 1 } } });
    const failing = await eventually(async () => {
      const w = (await app.call("GET", `/v1/webhooks/${id}`, { key })).body;
      return w.health === "warning" && w.consecutiveFailures >= 3 ? w : null;
    }, "the webhook's health to turn to warning");

    await page.goto(`${app.baseUrl}/portal/webhooks`);
    const card = page.getByRole("listitem").filter({ has: page.getByRole("link", { name: receiver.url, exact: true }) });
    await card.getByText(t("webhooks.warningTitle")).waitFor();
    await card.getByText(t("webhooks.consecutiveFailures", { count: failing.consecutiveFailures })).waitFor();
    await card.getByText(failing.lastError, { exact: true }).waitFor();
    expect(failing.lastError).toContain("500");
    // "Since when": the instant itself is on the element, in UTC.
    await card.locator(`time[datetime="${failing.failingSince}"]`).waitFor();
  });

  it("shows a webhook disabled by a 410 with the reason, and re-enables it", async () => {
    const { receiver, id } = await aWebhook(app, key, { token: TOKEN });
    receiver.respond = answer(410, "gone");
    await app.call("POST", "/v1/events", { key, body: { type: "message.created", data: { n: 2 } } });
    const disabled = await eventually(async () => {
      const w = (await app.call("GET", `/v1/webhooks/${id}`, { key })).body;
      return w.status === "disabled" ? w : null;
    }, "the 410 to disable the webhook");
    expect(disabled.disabledReason).toContain("410");
    expect(disabled.disabledReasonCode).toBe("gone");

    await page.goto(`${app.baseUrl}/portal/webhooks`);
    const card = page.getByRole("listitem").filter({ has: page.getByRole("link", { name: receiver.url, exact: true }) });
    await card.getByText(t("webhooks.disabledTitle")).waitFor();
    await card.getByText(t("disabled.gone"), { exact: true }).waitFor();
    await card.locator(`time[datetime="${disabled.disabledAt}"]`).waitFor();

    receiver.respond = answer(200);
    await card.getByRole("button", { name: t("webhooks.reenable") }).click();
    await card.getByText(t("webhooks.reenabled")).waitFor();
    expect((await app.call("GET", `/v1/webhooks/${id}`, { key })).body).toMatchObject({ status: "active", disabledReason: null });
    expect(await card.getByText(t("webhooks.disabledTitle")).count()).toBe(0);
  });
});
