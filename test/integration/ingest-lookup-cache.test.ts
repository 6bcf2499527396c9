import type { Clock } from "../../src/lib/clock";
import { startTestApp, type TestApp } from "../support/app";
import { startWebhookReceiver, type WebhookReceiver } from "../support/receivers";

/**
 * Each API process reuses its lookup of an account's event types and subscribers for
 * HOOKRELAY_INGEST_CACHE_TTL. Stale in the safe direction only: a webhook disabled, unsubscribed
 * or deleted meanwhile is never given a delivery; one enabled elsewhere waits out the TTL at most.
 */
describe("ingestion's lookup cache", () => {
  const TOKEN = "lookup-cache-token-0001";
  let now = Date.parse("2026-11-23T10:00:00Z");
  const clock: Clock = { now: () => new Date(now) };
  let app: TestApp;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    app = await startTestApp({ HOOKRELAY_INGEST_CACHE_TTL: "10s" }, { clock });
    receiver = await startWebhookReceiver(TOKEN);
  });
  afterAll(async () => {
    await app.close();
    await receiver.close();
  });

  const register = async (key: string) => {
    const res = await app.call("POST", "/v1/webhooks", { key, body: { url: receiver.url, verifyToken: TOKEN, eventTypes: ["message.created"] } });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  /** What the producer was told, and what was stored: they must agree. */
  const emit = async (key: string) => {
    const res = await app.call("POST", "/v1/events", { key, body: { type: "message.created", data: { at: now } } });
    expect(res.status).toBe(202);
    const stored = await app.container.db.delivery.findMany({ where: { eventId: res.body.id }, select: { webhookId: true } });
    expect(res.body.deliveries).toBe(stored.length);
    return stored.map((d) => d.webhookId).sort();
  };

  it("gives no delivery to a webhook disabled, unsubscribed or deleted behind its back", async () => {
    const { apiKey } = await app.newAccount();
    const [a, b, c, d] = [await register(apiKey), await register(apiKey), await register(apiKey), await register(apiKey)];
    expect(await emit(apiKey)).toEqual([a, b, c, d].sort());

    // As another API process (or the worker's auto-disable) would: past this process's cache.
    const { db } = app.container;
    await db.webhook.update({ where: { id: a }, data: { status: "disabled", disabledReason: "test" } });
    await db.webhook.update({ where: { id: b }, data: { eventTypes: ["chat.status_changed"] } });
    await db.webhook.delete({ where: { id: c } });
    expect(await emit(apiKey)).toEqual([d]);
  });

  it("sees a webhook registered through this process at once", async () => {
    const { apiKey } = await app.newAccount();
    const a = await register(apiKey);
    expect(await emit(apiKey)).toEqual([a]);
    const b = await register(apiKey);
    expect(await emit(apiKey)).toEqual([a, b].sort());
  });

  it("sees a webhook enabled elsewhere once the TTL has passed, not later", async () => {
    const { apiKey } = await app.newAccount();
    const a = await register(apiKey);
    const b = await register(apiKey);
    const { db } = app.container;
    await db.webhook.update({ where: { id: b }, data: { status: "disabled", disabledReason: "test" } });
    expect(await emit(apiKey)).toEqual([a]);

    await db.webhook.update({ where: { id: b }, data: { status: "active", disabledReason: null } });
    now += 9_000;
    expect(await emit(apiKey)).toEqual([a]);
    now += 1_001;
    expect(await emit(apiKey)).toEqual([a, b].sort());
  });

  it("does not remember an unknown event type, so one registered a moment later is usable at once", async () => {
    const { apiKey } = await app.newAccount();
    const send = () => app.call("POST", "/v1/events", { key: apiKey, body: { type: "order.shipped", data: {} } });
    expect((await send()).status).toBe(422);
    const created = await app.call("POST", "/v1/event-types", { key: apiKey, body: { name: "order.shipped", description: "an order left the warehouse" } });
    expect(created.status).toBe(201);
    expect((await send()).status).toBe(202);
  });
});
