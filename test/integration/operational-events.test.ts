import type { ServerResponse } from "node:http";
import { aWebhook } from "../support/factories";
import { eventually, startTestApp, type TestApp } from "../support/app";
import type { WebhookReceiver } from "../support/receivers";
import { OPERATIONAL_EVENT_TYPES } from "../../src/operational/payloads";

/**
 * Operational events (src/operational/): each goes out once per transition, through the
 * account's webhooks subscribed to it and never to the webhook it is about, with the payload
 * its catalog entry promises; bounded, and written with the change that caused it.
 */
const THRESHOLD = 3;
// Three attempts per chain, no waiting.
const ENV = {
  HOOKRELAY_RETRY_SCHEDULE: "0,20ms,20ms",
  HOOKRELAY_RETRY_JITTER: "0",
  HOOKRELAY_FAILURE_WARNING_THRESHOLD: String(THRESHOLD),
  HOOKRELAY_NOTICE_EXHAUSTED_WINDOW: "1h",
};
const ALL_NOTICES = [...OPERATIONAL_EVENT_TYPES];

interface Received {
  id: string;
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
}

const answer = (status: number) => (_req: unknown, res: ServerResponse) => res.writeHead(status, { "content-type": "text/plain" }).end(String(status));

/** The notices a receiver got, one per event (a notice retried shows once per attempt; this keeps the first). */
function noticesAt(r: WebhookReceiver, unique = true): Received[] {
  const all = r.deliveries.map((d) => JSON.parse(d.body.toString("utf8")) as Received).filter((e) => e.type.startsWith("webhook.") || e.type === "delivery.exhausted");
  return unique ? all.filter((e, i) => all.findIndex((o) => o.id === e.id) === i) : all;
}

describe("operational events", () => {
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp(ENV, { worker: true });
  });
  beforeEach(async () => {
    ({ apiKey: key } = await app.newAccount());
  });
  afterAll(async () => {
    await app.close();
  });

  const emit = (data: unknown = { n: 1 }) => app.call("POST", "/v1/events", { key, body: { type: "message.created", data } });
  const noticeRows = (webhookId: string) =>
    app.container.sql.query<{ type: string; fanned_out_at: Date | null; event_id: string }>(`SELECT type, fanned_out_at, event_id FROM operational_events WHERE webhook_id = $1 ORDER BY created_at, event_id`, [webhookId]).then((r) => r.rows);
  /** Lets the relay and workers run a while longer, so that a second copy would have arrived. */
  const settle = () => new Promise((r) => setTimeout(r, 1_500));

  it("a 410 disables the webhook and tells a subscribed webhook once, and never the webhook itself", async () => {
    // The gone endpoint is subscribed to the notices too: it must not hear about itself.
    const gone = await aWebhook(app, key, { eventTypes: ["message.created", ...ALL_NOTICES], description: "CRM" });
    gone.receiver.respond = answer(410);
    const ops = await aWebhook(app, key, { eventTypes: ALL_NOTICES });
    const bystander = await aWebhook(app, key, { eventTypes: ["chat.status_changed"] });

    const emitted = await emit();
    expect(emitted.status).toBe(202);
    await eventually(async () => noticesAt(ops.receiver).length >= 2, "the disabled and exhausted notices");
    await settle();

    const got = noticesAt(ops.receiver, false);
    expect(got.map((n) => n.type).sort()).toEqual(["delivery.exhausted", "webhook.disabled"]);
    const disabled = got.find((n) => n.type === "webhook.disabled")!;
    expect(disabled.data).toEqual({
      webhook: { id: gone.id, url: gone.receiver.url, description: "CRM" },
      reason: "the endpoint answered 410 Gone",
      reasonCode: "gone",
      disabledAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    const delivery = await app.container.db.delivery.findFirstOrThrow({ where: { eventId: emitted.body.id, webhookId: gone.id } });
    expect(got.find((n) => n.type === "delivery.exhausted")!.data).toEqual({
      webhook: { id: gone.id, url: gone.receiver.url, description: "CRM" },
      delivery: { id: delivery.id, eventId: emitted.body.id, eventType: "message.created", attempts: 1 },
      lastError: expect.stringContaining("410"),
      lastStatusCode: 410,
      alsoExhausted: 0,
    });
    // The webhook it is about got its one delivery and nothing else; nor did anyone unsubscribed.
    expect(gone.receiver.deliveries).toHaveLength(1);
    expect(bystander.receiver.deliveries).toHaveLength(0);
    // As events of the account they read like any other, and each has its outbox row fanned out.
    const rows = await noticeRows(gone.id);
    expect(rows.map((r) => r.type).sort()).toEqual(["delivery.exhausted", "webhook.disabled"]);
    expect(rows.every((r) => r.fanned_out_at !== null)).toBe(true);
    const listed = await app.call("GET", `/v1/events/${rows[0]!.event_id}`, { key });
    expect(listed.status).toBe(200);
    expect(listed.body.type).toBe(rows[0]!.type);
  });

  it("reports failing at the threshold once, then recovered once, and a flapping endpoint no more within the cooldown", async () => {
    const flaky = await aWebhook(app, key, { eventTypes: ["message.created"] });
    flaky.receiver.respond = answer(500);
    const ops = await aWebhook(app, key, { eventTypes: ["webhook.failing", "webhook.recovered"] });

    await emit();
    // Three attempts fail: the third crosses the threshold.
    await eventually(async () => noticesAt(ops.receiver).some((n) => n.type === "webhook.failing"), "the failing notice");
    const failing = noticesAt(ops.receiver).find((n) => n.type === "webhook.failing")!;
    expect(failing.data).toEqual({
      webhook: { id: flaky.id, url: flaky.receiver.url, description: null },
      consecutiveFailures: THRESHOLD,
      failingSince: expect.any(String),
      lastError: expect.stringContaining("500"),
    });

    flaky.receiver.respond = answer(200);
    await emit();
    await eventually(async () => noticesAt(ops.receiver).some((n) => n.type === "webhook.recovered"), "the recovered notice");
    const recovered = noticesAt(ops.receiver).find((n) => n.type === "webhook.recovered")!;
    expect(recovered.data).toEqual({ webhook: failing.data.webhook, failingSince: failing.data.failingSince, recoveredAt: expect.any(String) });

    // It flaps: fails past the threshold and recovers again, within the hour's cooldown.
    flaky.receiver.respond = answer(500);
    await emit();
    await eventually(async () => (await app.container.db.webhook.findUniqueOrThrow({ where: { id: flaky.id } })).consecutiveFailures >= THRESHOLD, "the second run of failures");
    flaky.receiver.respond = answer(200);
    await emit();
    await eventually(async () => (await app.container.db.webhook.findUniqueOrThrow({ where: { id: flaky.id } })).consecutiveFailures === 0, "the second recovery");
    await settle();
    expect(noticesAt(ops.receiver, false).map((n) => n.type)).toEqual(["webhook.failing", "webhook.recovered"]);
    // Its given-up deliveries are not what this subscriber asked for; the second one was folded
    // into the next delivery.exhausted, the window being an hour.
    expect((await noticeRows(flaky.id)).map((r) => r.type)).toEqual(["webhook.failing", "delivery.exhausted", "webhook.recovered"]);
    const folded = await app.container.sql.query<{ exhausted_folded: number }>("SELECT exhausted_folded FROM webhooks WHERE id = $1", [flaky.id]);
    expect(folded.rows[0]!.exhausted_folded).toBe(1);
  });

  it("raises each notice once when many attempts cross at once, and folds a burst of given-up deliveries into one", async () => {
    const broken = await aWebhook(app, key, { eventTypes: ["message.created"] });
    broken.receiver.respond = answer(500);
    const ops = await aWebhook(app, key, { eventTypes: ["webhook.failing", "delivery.exhausted"] });

    const burst = 20;
    const res = await app.call("POST", "/v1/events/batch", { key, body: { events: Array.from({ length: burst }, (_, i) => ({ type: "message.created", data: { i } })) } });
    expect(res.status).toBe(202);
    await eventually(async () => (await app.container.db.delivery.count({ where: { webhookId: broken.id, status: "failed" } })) === burst, "every delivery to give up", 20_000);
    await eventually(async () => noticesAt(ops.receiver).length >= 2, "the notices");
    await settle();

    expect(noticesAt(ops.receiver, false).map((n) => n.type).sort()).toEqual(["delivery.exhausted", "webhook.failing"]);
    const row = await app.container.sql.query<{ exhausted_folded: number }>("SELECT exhausted_folded FROM webhooks WHERE id = $1", [broken.id]);
    expect(row.rows[0]!.exhausted_folded).toBe(burst - 1);

    // The window passes; the next delivery to give up reports itself and the ones folded before it.
    await app.container.sql.query("UPDATE webhooks SET exhausted_noticed_at = now() - interval '2 hours' WHERE id = $1", [broken.id]);
    await emit();
    await eventually(async () => noticesAt(ops.receiver).filter((n) => n.type === "delivery.exhausted").length === 2, "the second exhausted notice");
    const second = noticesAt(ops.receiver).filter((n) => n.type === "delivery.exhausted")[1]!;
    expect(second.data.alsoExhausted).toBe(burst - 1);
  });

  it("raises nothing about a failed delivery of a notice or of a test event, and delivers nothing to a paused subscriber", async () => {
    const gone = await aWebhook(app, key, { eventTypes: ["message.created"] });
    gone.receiver.respond = answer(410);
    // The only subscriber fails every notice it is sent.
    const ops = await aWebhook(app, key, { eventTypes: ALL_NOTICES });
    ops.receiver.respond = answer(500);
    const paused = await aWebhook(app, key, { eventTypes: ALL_NOTICES });
    expect((await app.call("POST", `/v1/webhooks/${paused.id}/disable`, { key, body: {} })).status).toBe(200);

    await emit();
    // Both notices about `gone` reach `ops`, three attempts each, and give up there.
    await eventually(async () => (await app.container.db.delivery.count({ where: { webhookId: ops.id, status: "failed" } })) === 2, "the notices to give up at the subscriber", 20_000);
    const test = await app.call("POST", `/v1/webhooks/${ops.id}/test`, { key, body: { eventType: "message.created" } });
    expect(test.status).toBeLessThan(300);
    await settle();

    const aboutOps = (await noticeRows(ops.id)).map((r) => r.type);
    // Its own run of failures is news (it crossed the threshold), its given-up notices are not.
    expect(aboutOps).toEqual(["webhook.failing"]);
    expect(noticesAt(ops.receiver, true).map((n) => n.type).sort()).toEqual(["delivery.exhausted", "webhook.disabled"]);
    expect(paused.receiver.deliveries).toHaveLength(0);
    expect(await app.container.db.delivery.count({ where: { webhookId: paused.id } })).toBe(0);
  });

  it("keeps the notice and the change it reports together: a failed write leaves neither, and the retry writes both once", async () => {
    const gone = await aWebhook(app, key, { eventTypes: ["message.created"] });
    gone.receiver.respond = answer(410);
    const ops = await aWebhook(app, key, { eventTypes: ["webhook.disabled"] });
    // The outbox refuses rows about this webhook for a while: the settlement's transaction fails.
    await app.container.sql.query(`
      CREATE FUNCTION refuse_notice() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'refused for the test'; END $$ LANGUAGE plpgsql;
      CREATE TRIGGER refuse_notice BEFORE INSERT ON operational_events FOR EACH ROW
        WHEN (NEW.webhook_id = '${gone.id}') EXECUTE FUNCTION refuse_notice();`);
    try {
      await emit();
      await eventually(async () => gone.receiver.deliveries.length >= 1, "the attempt");
      await new Promise((r) => setTimeout(r, 300));
      const during = await app.container.db.webhook.findUniqueOrThrow({ where: { id: gone.id } });
      expect(during.status).toBe("active");
      expect(await noticeRows(gone.id)).toEqual([]);
      expect(await app.container.db.delivery.count({ where: { webhookId: gone.id, status: "pending" } })).toBe(1);
    } finally {
      await app.container.sql.query("DROP TRIGGER refuse_notice ON operational_events; DROP FUNCTION refuse_notice()");
    }
    // BullMQ runs the job again; this time the disable and its notice commit together.
    await eventually(async () => (await app.container.db.webhook.findUniqueOrThrow({ where: { id: gone.id } })).status === "disabled", "the disable", 20_000);
    await eventually(async () => noticesAt(ops.receiver).length === 1, "the notice");
    await settle();
    expect((await noticeRows(gone.id)).map((r) => r.type).sort()).toEqual(["delivery.exhausted", "webhook.disabled"]);
    expect(noticesAt(ops.receiver, false).map((n) => n.type)).toEqual(["webhook.disabled"]);
  });

  it("tells the whole story of an endpoint that keeps failing: failing, disabled for it, then recovered once re-enabled", async () => {
    // A window of its own: every attempt failing for 3 s disables the webhook. Long enough that the
    // first chain's three attempts (milliseconds apart, but seconds on a loaded CI machine) all fall
    // inside it and cross the warning threshold first; the second emit waits the window out.
    const windowMs = 3_000;
    const short = await startTestApp({ ...ENV, HOOKRELAY_DISABLE_AFTER: `${windowMs}ms` }, { worker: true });
    try {
      const { apiKey } = await short.newAccount();
      const down = await aWebhook(short, apiKey, { eventTypes: ["message.created"] });
      down.receiver.respond = answer(503);
      const ops = await aWebhook(short, apiKey, { eventTypes: ALL_NOTICES });
      const emitHere = () => short.call("POST", "/v1/events", { key: apiKey, body: { type: "message.created", data: {} } });

      await emitHere();
      await eventually(async () => noticesAt(ops.receiver).some((n) => n.type === "webhook.failing"), "the failing notice");
      expect(down.receiver.deliveries.length).toBeGreaterThanOrEqual(THRESHOLD);
      // The streak began at the first failed attempt; the window runs from there.
      const waitOut = down.receiver.deliveries[0]!.at + windowMs + 100 - Date.now();
      if (waitOut > 0) await new Promise((r) => setTimeout(r, waitOut));
      await emitHere();
      await eventually(async () => noticesAt(ops.receiver).some((n) => n.type === "webhook.disabled"), "the disabled notice");
      const disabled = noticesAt(ops.receiver).find((n) => n.type === "webhook.disabled")!;
      expect(disabled.data).toMatchObject({ webhook: { id: down.id }, reasonCode: "failing", reason: expect.stringMatching(/^every attempt failed for/) });

      // The customer fixes the endpoint and enables it again (a new handshake); its first success recovers it.
      down.receiver.respond = answer(200);
      expect((await short.call("POST", `/v1/webhooks/${down.id}/enable`, { key: apiKey })).status).toBe(200);
      await emitHere();
      await eventually(async () => noticesAt(ops.receiver).some((n) => n.type === "webhook.recovered"), "the recovered notice");
      await settle();
      expect(noticesAt(ops.receiver, false).map((n) => n.type)).toEqual(["webhook.failing", "delivery.exhausted", "webhook.disabled", "webhook.recovered"]);
    } finally {
      await short.close();
    }
  });
});
