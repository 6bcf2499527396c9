import { createHmac, timingSafeEqual } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestApp, eventually, type TestApp } from "../support/app";
import { aWebhook } from "../support/factories";
import type { Respond } from "../support/receivers";

const TOKEN = "portal-routes-token-0001";
const answer = (status: number, text = "") : Respond => (_req, res) => void res.writeHead(status, { "content-type": "text/plain" }).end(text);
/** A receiver that checks X-Hub-Signature-256 over the raw body, as the seed's receivers do. */
const verifying: Respond = (req, res) => {
  const expected = Buffer.from(`sha256=${createHmac("sha256", TOKEN).update(req.body).digest("hex")}`);
  const got = Buffer.from(String(req.headers["x-hub-signature-256"] ?? ""));
  const ok = got.length === expected.length && timingSafeEqual(got, expected);
  res.writeHead(ok ? 200 : 401, { "content-type": "text/plain" }).end(ok ? "ok" : "bad signature");
};

/** The REST the portal stands on: events, an attempt's exact body, pause, stats, the signature check. */
describe("routes behind the portal", () => {
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp({ HOOKRELAY_RETRY_SCHEDULE: "0,20ms", HOOKRELAY_RETRY_JITTER: "0", HOOKRELAY_FAILURE_WARNING_THRESHOLD: "2" }, { worker: true });
    key = (await app.newAccount()).apiKey;
  });
  afterAll(() => app.close());

  const emit = async (type: string, data: unknown) => {
    const res = await app.call("POST", "/v1/events", { key, body: { type, data } });
    expect(res.status).toBe(202);
    return res.body.id as string;
  };

  it("lists events newest first with type and time filters and a cursor, and shows one with its deliveries", async () => {
    const { id: webhookId } = await aWebhook(app, key, { eventTypes: ["message.created", "chat.status_changed"], token: TOKEN });
    const first = await emit("message.created", { n: 1 });
    const second = await emit("chat.status_changed", { n: 2 });
    const third = await emit("message.created", { n: 3 });

    const all = await app.call("GET", "/v1/events?limit=2", { key });
    expect(all.body.data.map((e: { id: string }) => e.id)).toEqual([third, second]);
    const next = await app.call("GET", `/v1/events?limit=2&cursor=${all.body.nextCursor}`, { key });
    expect(next.body).toMatchObject({ data: [{ id: first, type: "message.created", isTest: false }], nextCursor: null });
    const typed = await app.call("GET", "/v1/events?type=chat.status_changed", { key });
    expect(typed.body.data.map((e: { id: string }) => e.id)).toEqual([second]);
    const at = (await app.call("GET", `/v1/events/${second}`, { key })).body.createdAt as string;
    const later = await app.call("GET", `/v1/events?from=${encodeURIComponent(new Date(Date.parse(at) + 1).toISOString())}`, { key });
    expect(later.body.data.map((e: { id: string }) => e.id)).toEqual([third]);

    const one = await app.call("GET", `/v1/events/${second}`, { key });
    expect(one.body).toMatchObject({ id: second, type: "chat.status_changed", data: { n: 2 }, deliveries: [{ webhookId, eventId: second }] });
    expect((await app.call("GET", "/v1/events/evt_01M8000000000000000000000Z", { key })).status).toBe(404);
    expect((await app.call("GET", "/v1/events?from=2026-02-30T00:00:00Z", { key })).status).toBe(400);
  });

  it("shows an attempt with exactly the bytes the receiver got, and its headers with the signature masked", async () => {
    const { id: webhookId, receiver } = await aWebhook(app, key, { token: TOKEN });
    // Key order, spacing and a non-ASCII character: what must not be re-serialised.
    await app.call("POST", "/v1/events", { key, rawBody: '{"type":"message.created","data":{"z":1,  "a":"ação ✓"}}', headers: { "content-type": "application/json" } });
    await eventually(async () => receiver.deliveries.length === 1, "the delivery");
    const log = await eventually(async () => {
      const res = await app.call("GET", `/v1/webhooks/${webhookId}/deliveries`, { key });
      return res.body.data.length === 1 ? res.body.data : null;
    }, "the attempt in the log");
    const detail = await app.call("GET", `/v1/attempts/${log[0].id}`, { key });
    expect(detail.status).toBe(200);
    expect(Buffer.from(detail.body.requestBody, "utf8").equals(receiver.deliveries[0]!.body)).toBe(true);
    expect(detail.body).toMatchObject({ webhookId, success: true, statusCode: 200, requestUrl: receiver.url });
    expect(detail.body.requestHeaders["x-hub-signature-256"]).not.toBe(receiver.deliveries[0]!.headers["x-hub-signature-256"]);
    expect((await app.call("GET", "/v1/attempts/att_01M8000000000000000000000Z", { key })).status).toBe(404);
  });

  it("pauses a webhook: nothing is sent while paused, what came due is skipped, and resume sends again", async () => {
    const { id, receiver } = await aWebhook(app, key, { token: TOKEN });
    const paused = await app.call("POST", `/v1/webhooks/${id}/disable`, { key, body: { reason: "maintenance" } });
    expect(paused.body).toMatchObject({ status: "disabled", health: "disabled", disabledReason: "paused: maintenance", disabledAt: expect.any(String) });
    const eventId = await emit("message.created", { while: "paused" });
    // An event emitted while paused fans out to no delivery at all: the webhook is not active.
    const fannedOut = (await app.call("GET", `/v1/events/${eventId}`, { key })).body.deliveries.map((d: { webhookId: string }) => d.webhookId);
    expect(fannedOut.length).toBeGreaterThan(0);
    expect(fannedOut).not.toContain(id);
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.deliveries).toHaveLength(0);

    expect((await app.call("POST", `/v1/webhooks/${id}/enable`, { key })).body).toMatchObject({ status: "active", disabledReason: null });
    await emit("message.created", { after: "resume" });
    await eventually(async () => receiver.deliveries.length === 1, "a delivery after resuming");
  });

  it("names the last error and since when a failing webhook has failed", async () => {
    const { id, receiver } = await aWebhook(app, key, { token: TOKEN });
    receiver.respond = answer(503, "down for maintenance");
    await emit("message.created", { n: 1 });
    const failing = await eventually(async () => {
      const res = await app.call("GET", `/v1/webhooks/${id}`, { key });
      return res.body.consecutiveFailures >= 2 ? res.body : null;
    }, "two failures");
    expect(failing).toMatchObject({ health: "warning", failingSince: expect.any(String), lastError: expect.stringContaining("503") });
    const listed = (await app.call("GET", "/v1/webhooks?limit=100", { key })).body.data.find((w: { id: string }) => w.id === id);
    expect(listed.lastError).toBe(failing.lastError);
  });

  it("counts the last 24 hours' attempts by outcome and hour, with response-time percentiles", async () => {
    const { id, receiver } = await aWebhook(app, key, { token: TOKEN });
    for (let i = 0; i < 3; i++) await emit("message.created", { i });
    await eventually(async () => receiver.deliveries.length === 3, "three deliveries");
    receiver.respond = answer(500);
    await emit("message.created", { fails: true });
    // Two attempts (the schedule has two), both failing.
    const stats = await eventually(async () => {
      const res = await app.call("GET", `/v1/webhooks/${id}/stats`, { key });
      return res.body.failures === 2 ? res.body : null;
    }, "stats with the two failures");
    expect(stats).toMatchObject({ window: "24h", attempts: 5, successes: 3, failures: 2, successRate: 0.6 });
    expect(stats.hourly).toHaveLength(24);
    expect(stats.hourly[23]).toMatchObject({ successes: 3, failures: 2 });
    expect(stats.p50Ms).toBeGreaterThanOrEqual(0);
    expect(stats.p95Ms).toBeGreaterThanOrEqual(stats.p50Ms);
    const week = await app.call("GET", `/v1/webhooks/${id}/stats?window=7d`, { key });
    expect(week.body).toMatchObject({ window: "7d", attempts: 5 });
    expect(week.body.hourly).toHaveLength(168);
    expect((await app.call("GET", `/v1/webhooks/${id}/stats?window=1y`, { key })).status).toBe(400);
  });

  it("tells an endpoint that verifies signatures from one that accepts anything", async () => {
    const strict = await aWebhook(app, key, { token: TOKEN });
    strict.receiver.respond = verifying;
    const lax = await aWebhook(app, key, { token: TOKEN });

    const good = await app.call("POST", `/v1/webhooks/${strict.id}/check-signature`, { key });
    expect(good.body).toMatchObject({ verdict: "verifies", good: { accepted: true, statusCode: 200 }, bad: { accepted: false, statusCode: 401 } });
    const bad = await app.call("POST", `/v1/webhooks/${lax.id}/check-signature`, { key });
    expect(bad.body).toMatchObject({ verdict: "accepts_bad_signature", message: expect.stringContaining("not verifying signatures") });

    // Both probes are marked as such, and neither is logged nor counted as a failure.
    const probes = strict.receiver.deliveries.map((d) => d.headers["x-hookrelay-probe"]);
    expect(probes).toEqual(["signature-check; signature=valid", "signature-check; signature=invalid"]);
    expect((await app.call("GET", `/v1/webhooks/${strict.id}/deliveries`, { key })).body.data).toEqual([]);
    expect((await app.call("GET", `/v1/webhooks/${strict.id}`, { key })).body.consecutiveFailures).toBe(0);
  });

  it("serves the portal under /portal with a CSP that refuses framing by origins not allowed", async () => {
    const res = await fetch(`${app.baseUrl}/portal/webhooks`);
    expect([200, 503]).toContain(res.status);
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    const framed = await startTestApp({ HOOKRELAY_PORTAL_FRAME_ANCESTORS: "https://dash.example.com, http://localhost:5173" });
    try {
      const csp = (await fetch(`${framed.baseUrl}/portal/`)).headers.get("content-security-policy");
      expect(csp).toContain("frame-ancestors https://dash.example.com http://localhost:5173");
    } finally {
      await framed.close();
    }
  });

  it("serves a rebuilt portal without a restart, client routes as its index, and a vanished asset as a 404", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hookrelay-portal-"));
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>first build</title>");
    writeFileSync(join(dir, "assets", "app-1.js"), "console.log(1)");
    const served = await startTestApp({ HOOKRELAY_PORTAL_DIR: dir });
    try {
      const page = await fetch(`${served.baseUrl}/portal/webhooks/wh_x/log?outcome=failure`);
      expect({ status: page.status, body: await page.text() }).toEqual({ status: 200, body: "<!doctype html><title>first build</title>" });
      expect((await fetch(`${served.baseUrl}/portal/assets/app-1.js`)).headers.get("cache-control")).toContain("immutable");
      writeFileSync(join(dir, "index.html"), "<!doctype html><title>second build</title>");
      utimesSync(join(dir, "index.html"), new Date(), new Date(Date.now() + 5_000));
      expect(await (await fetch(`${served.baseUrl}/portal/`)).text()).toContain("second build");
      const gone = await fetch(`${served.baseUrl}/portal/assets/app-0.js`);
      expect({ status: gone.status, type: gone.headers.get("content-type") }).toEqual({ status: 404, type: expect.stringContaining("text/plain") });
    } finally {
      await served.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
