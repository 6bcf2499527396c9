import { buildContainer } from "../../src/container";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { testConfig } from "../support/env";
import { closedPort, startWebhookReceiver, type WebhookReceiver } from "../support/receivers";

const TOKEN = "reliability-token-000001";

async function withApp(env: Record<string, string>, worker: boolean, fn: (app: TestApp, key: string) => Promise<void>) {
  const app = await startTestApp({ HOOKRELAY_RETRY_JITTER: "0", ...env }, { worker });
  try {
    await fn(app, (await app.newAccount()).apiKey);
  } finally {
    await app.close();
  }
}

async function register(app: TestApp, key: string, receiver: WebhookReceiver): Promise<string> {
  const res = await app.call("POST", "/v1/webhooks", { key, body: { url: receiver.url, verifyToken: TOKEN, eventTypes: ["message.created"] } });
  expect(res.status).toBe(201);
  return res.body.id;
}

const emit = (app: TestApp, key: string, data: unknown = {}) => app.call("POST", "/v1/events", { key, body: { type: "message.created", data } });

describe("delivery under failure", () => {
  const receivers: WebhookReceiver[] = [];
  const receiver = async () => {
    const r = await startWebhookReceiver(TOKEN);
    receivers.push(r);
    return r;
  };
  afterAll(() => Promise.all(receivers.map((r) => r.close())));

  it("records deliveries to a disabled webhook as skipped, without attempting them", () =>
    withApp({}, false, async (app, key) => {
      const r = await receiver();
      const id = await register(app, key, r);
      const res = await emit(app, key);
      await app.container.db.webhook.update({ where: { id }, data: { status: "disabled", disabledReason: "paused by test" } });
      // No worker yet: it waits in the scheduler. Once one runs, it is dispatched, holds one of
      // the webhook's slots, is skipped, and the slot is freed.
      expect(await app.container.fairQueue.webhookState(id)).toEqual({ waiting: 1, inFlight: 0 });
      await app.container.startWorker();
      const delivery = await eventually(
        () => app.container.db.delivery.findFirst({ where: { eventId: res.body.id, status: "skipped" } }),
        "the delivery to be skipped",
      );
      expect(delivery.lastError).toMatch(/webhook disabled \(paused by test\)/);
      expect(delivery.attemptCount).toBe(0);
      expect(r.deliveries).toHaveLength(0);
      // The skipped attempt held one of the webhook's in-flight slots from dispatch; it is free again.
      await eventually(async () => (await app.container.fairQueue.webhookState(id)).inFlight === 0, "the slot to be released");
    }));

  it("warns at the failure threshold and disables a webhook that keeps failing past the configured period", () =>
    withApp(
      // Attempts at about 0, 0.1 s, 2.1 s, 2.25 s and 2.4 s: the second crosses the warning threshold
      // well inside the 1.5 s window (however slow the machine), the third is past it and disables.
      { HOOKRELAY_RETRY_SCHEDULE: "0,100ms,2s,150ms,150ms", HOOKRELAY_DISABLE_AFTER: "1500ms", HOOKRELAY_FAILURE_WARNING_THRESHOLD: "2" },
      true,
      async (app, key) => {
        const r = await receiver();
        r.respond = (_req, res) => res.writeHead(500).end();
        const id = await register(app, key, r);
        await emit(app, key);
        const warned = await eventually(async () => {
          const wh = (await app.call("GET", `/v1/webhooks/${id}`, { key })).body;
          return wh.consecutiveFailures >= 2 && wh.status === "active" && wh;
        }, "a warning");
        expect(warned.health).toBe("warning");
        const disabled = await eventually(async () => {
          const wh = (await app.call("GET", `/v1/webhooks/${id}`, { key })).body;
          return wh.status === "disabled" && wh;
        }, "the webhook to be disabled");
        expect(disabled.disabledReason).toMatch(/every attempt failed for/);
        // Nothing is attempted once disabled: the rest of the chain is skipped.
        const countAtDisable = r.deliveries.length;
        await new Promise((res) => setTimeout(res, 500));
        expect(r.deliveries.length).toBe(countAtDisable);
      },
    ));

  it("recovers a delivery whose place in Redis was lost (ticket, job and all)", () =>
    withApp({ HOOKRELAY_RECOVERY_INTERVAL: "100ms", HOOKRELAY_RECOVERY_GRACE: "200ms" }, false, async (app, key) => {
      const r = await receiver();
      const webhookId = await register(app, key, r);
      const res = await emit(app, key, { lost: true });
      const delivery = await app.container.db.delivery.findFirstOrThrow({ where: { eventId: res.body.id } });
      // Everything of this deployment in Redis goes, as when Redis restarts empty.
      await app.container.queue.obliterate({ force: true });
      const keys = await app.container.redis.keys(`${app.container.config.queuePrefix}:*`);
      if (keys.length > 0) await app.container.redis.del(...keys);
      expect(await app.container.fairQueue.webhookState(webhookId)).toEqual({ waiting: 0, inFlight: 0 });

      await app.container.startWorker();
      await eventually(async () => r.deliveries.length === 1, "the recovered delivery", 5_000);
      expect(r.deliveries[0]!.headers["x-webhook-id"]).toBe(delivery.id);
      await eventually(async () => (await app.container.db.delivery.findUniqueOrThrow({ where: { id: delivery.id } })).status === "succeeded", "success");
    }));

  it("accepts events while Redis is unreachable and delivers them once it is back", async () => {
    const redisDown = `redis://127.0.0.1:${await closedPort()}`;
    await withApp({ HOOKRELAY_RECOVERY_INTERVAL: "100ms", HOOKRELAY_RECOVERY_GRACE: "100ms" }, false, async (app, key) => {
      const r = await receiver();
      await register(app, key, r);
      // A second API process on the same database whose Redis is down.
      const cut = buildContainer(testConfig(app.db.url, { HOOKRELAY_QUEUE_PREFIX: app.container.config.queuePrefix, REDIS_URL: redisDown }));
      const { listen } = await import("../../src/http/server");
      const server = await listen(cut.createApp(), 0, "127.0.0.1");
      try {
        const { port } = server.address() as { port: number };
        const started = Date.now();
        const res = await fetch(`http://127.0.0.1:${port}/v1/events`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({ type: "message.created", data: { during: "outage" } }),
        });
        expect(res.status).toBe(202);
        expect(Date.now() - started).toBeLessThan(4_000);
        expect(((await res.json()) as { deliveries: number }).deliveries).toBe(1);
      } finally {
        server.closeAllConnections();
        server.close();
        await cut.close();
      }
      await app.container.startWorker();
      await eventually(async () => r.deliveries.length === 1, "delivery after the outage", 5_000);
      expect(JSON.parse(r.deliveries[0]!.body.toString()).data).toEqual({ during: "outage" });
    });
  });
});

describe("fairness and cooperation", () => {
  const receivers: WebhookReceiver[] = [];
  afterAll(() => Promise.all(receivers.map((r) => r.close())));

  it("bounds one webhook's deliveries in flight, so a slow endpoint does not starve the others", () =>
    withApp({ HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: "2", HOOKRELAY_WORKER_CONCURRENCY: "8" }, true, async (app, key) => {
      const slow = await startWebhookReceiver(TOKEN, "/slow");
      const fast = await startWebhookReceiver(TOKEN, "/fast");
      receivers.push(slow, fast);
      let inFlight = 0;
      let peak = 0;
      slow.respond = (_req, res) => {
        peak = Math.max(peak, ++inFlight);
        setTimeout(() => {
          inFlight--;
          res.writeHead(200).end();
        }, 300);
      };
      const slowAccount = await app.newAccount("slow");
      await register(app, slowAccount.apiKey, slow);
      await register(app, key, fast);

      await app.call("POST", "/v1/events/batch", {
        key: slowAccount.apiKey,
        body: { events: Array.from({ length: 12 }, (_, i) => ({ type: "message.created", data: { i } })) },
      });
      await new Promise((r) => setTimeout(r, 100));
      const sent = Date.now();
      await emit(app, key, { urgent: true });
      await eventually(async () => fast.deliveries.length === 1, "the fast webhook's delivery", 5_000);
      // Twelve slow deliveries at 300 ms, two at a time, take ~1.8 s; the fast one does not wait for them.
      expect(fast.deliveries[0]!.at - sent).toBeLessThan(1_000);

      await eventually(async () => slow.deliveries.length === 12, "all slow deliveries", 10_000);
      expect(peak).toBe(2);
    }));

  it("lets several workers share the queue without sending a delivery twice", () =>
    withApp({ HOOKRELAY_WORKER_CONCURRENCY: "10" }, true, async (app, key) => {
      const r = await startWebhookReceiver(TOKEN);
      receivers.push(r);
      await register(app, key, r);
      const second = buildContainer(testConfig(app.db.url, { HOOKRELAY_QUEUE_PREFIX: app.container.config.queuePrefix, HOOKRELAY_WORKER_CONCURRENCY: "10" }));
      await second.startWorker();
      try {
        for (let b = 0; b < 3; b++) {
          await app.call("POST", "/v1/events/batch", {
            key,
            body: { events: Array.from({ length: 50 }, (_, i) => ({ type: "message.created", data: { b, i } })) },
          });
        }
        await eventually(async () => r.deliveries.length >= 150, "150 deliveries", 15_000);
        await new Promise((res) => setTimeout(res, 300));
        const ids = r.deliveries.map((d) => d.headers["x-webhook-id"]);
        expect(ids).toHaveLength(150);
        expect(new Set(ids).size).toBe(150);
      } finally {
        await second.close();
      }
    }));

  it("finishes the attempt in flight when the worker is stopped", () =>
    withApp({}, false, async (app, key) => {
      const r = await startWebhookReceiver(TOKEN);
      receivers.push(r);
      r.respond = (_req, res) => setTimeout(() => res.writeHead(200).end("late ok"), 500);
      await register(app, key, r);
      const stop = await app.container.startWorker();
      const res = await emit(app, key);
      await eventually(async () => r.deliveries.length === 1, "the request to arrive");
      await stop();
      const row = await app.container.db.delivery.findFirstOrThrow({ where: { eventId: res.body.id } });
      const delivery = { ...row, attempts: await app.container.db.deliveryAttempt.findMany({ where: { deliveryId: row.id } }) };
      expect(delivery.status).toBe("succeeded");
      expect(delivery.attempts).toEqual([expect.objectContaining({ success: true, responseBody: "late ok" })]);
    }));
});
