import type { ServerResponse } from "node:http";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { startReceiver, type Receiver, type RecordedRequest } from "../support/receivers";

/**
 * An audit entry commits with the change it records, or neither does. A trigger on audit_log
 * refuses the account's entries: every audited change must then fail whole (a 5xx in the one
 * error format, the change not made), the system's disable included; with the trigger gone,
 * both happen.
 */
const TOKEN = "atomic-verify-token-00001";

function anyChallenge(state: { status: number }) {
  return (req: RecordedRequest, res: ServerResponse) => {
    if (req.method === "GET") return void res.writeHead(200).end(req.url.searchParams.get("hub.challenge") ?? "ok");
    res.writeHead(state.status, { "content-type": "text/plain" }).end(String(state.status));
  };
}

describe("an audit entry and its change commit together", () => {
  let app: TestApp;
  let receiver: Receiver;
  const answer = { status: 200 };
  let key: string;
  let accountId: string;

  beforeAll(async () => {
    app = await startTestApp({ HOOKRELAY_RETRY_SCHEDULE: "0,0", HOOKRELAY_RETRY_JITTER: "0" }, { worker: true });
    receiver = await startReceiver(anyChallenge(answer));
    app.onClose(() => receiver.close());
    ({ apiKey: key, accountId } = await app.newAccount("Atomic"));
  });
  afterAll(() => app.close());

  const refuseEntries = () =>
    app.container.sql.query(`
      CREATE FUNCTION refuse_audit() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'audit entry refused for the test'; END $$ LANGUAGE plpgsql;
      CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW
        WHEN (NEW.account_id = '${accountId}') EXECUTE FUNCTION refuse_audit();`);
  const allowEntries = () => app.container.sql.query("DROP TRIGGER IF EXISTS refuse_audit ON audit_log; DROP FUNCTION IF EXISTS refuse_audit()");
  const entryCount = async () => app.container.db.auditEntry.count({ where: { accountId } });
  const expectCleanFailure = (res: { status: number; body: unknown }) => {
    expect(res.status).toBeGreaterThanOrEqual(500);
    // The one error format, saying nothing about the database.
    expect(res.body).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
    expect(JSON.stringify(res.body)).not.toContain("refused for the test");
  };
  const webhookRow = (id: string) => app.container.db.webhook.findUnique({ where: { id } });

  it("refuses every audited change whole while entries cannot be written, and makes them all once they can", async () => {
    const made = await app.call("POST", "/v1/webhooks", { key, body: { url: receiver.url, verifyToken: TOKEN, eventTypes: ["message.created"] } });
    expect(made.status).toBe(201);
    const id = made.body.id as string;
    answer.status = 500;
    expect((await app.call("POST", "/v1/events", { key, body: { type: "message.created", data: {} } })).status).toBe(202);
    const delivery = await eventually(() => app.container.db.delivery.findFirst({ where: { webhookId: id, status: "failed" } }), "the failed delivery");
    answer.status = 200;
    const before = await webhookRow(id);
    const entriesBefore = await entryCount();

    await refuseEntries();
    try {
      const webhooksBefore = await app.container.db.webhook.count({ where: { accountId } });
      expectCleanFailure(await app.call("POST", "/v1/webhooks", { key, body: { url: receiver.url, verifyToken: TOKEN, eventTypes: ["message.created"] } }));
      expect(await app.container.db.webhook.count({ where: { accountId } })).toBe(webhooksBefore);

      expectCleanFailure(await app.call("PATCH", `/v1/webhooks/${id}`, { key, body: { description: "half done?", verifyToken: "atomic-verify-token-00002" } }));
      expectCleanFailure(await app.call("POST", `/v1/webhooks/${id}/rotate-secret`, { key, body: { secret: "atomic-rotated-secret-0003", graceSeconds: 60 } }));
      expectCleanFailure(await app.call("POST", `/v1/webhooks/${id}/disable`, { key, body: { reason: "no" } }));
      expectCleanFailure(await app.call("DELETE", `/v1/webhooks/${id}`, { key }));
      expect(await webhookRow(id)).toEqual(before);

      expectCleanFailure(await app.call("POST", "/v1/event-types", { key, body: { name: "invoice.sent", description: "x" } }));
      expectCleanFailure(await app.call("POST", "/v1/event-types/import", { key, body: { catalog: "oblic" } }));
      expect(await app.container.db.eventType.count({ where: { accountId } })).toBe(0);

      expectCleanFailure(await app.call("POST", "/v1/portal/sessions", { key, body: {} }));
      expect(await app.container.db.portalSession.count({ where: { accountId } })).toBe(0);

      expectCleanFailure(await app.call("POST", `/v1/deliveries/${delivery.id}/redeliver`, { key }));
      expect(await app.container.db.delivery.findUniqueOrThrow({ where: { id: delivery.id } })).toEqual(delivery);
      expect(await entryCount()).toBe(entriesBefore);
    } finally {
      await allowEntries();
    }

    expect((await app.call("PATCH", `/v1/webhooks/${id}`, { key, body: { description: "done" } })).status).toBe(200);
    expect((await webhookRow(id))!.description).toBe("done");
    expect((await app.call("POST", "/v1/event-types", { key, body: { name: "invoice.sent", description: "x" } })).status).toBe(201);
    expect((await app.call("POST", `/v1/deliveries/${delivery.id}/redeliver`, { key })).status).toBe(202);
    const actions = (await app.container.db.auditEntry.findMany({ where: { accountId }, orderBy: [{ at: "desc" }, { id: "desc" }], take: 3 })).map((e) => e.action);
    expect(actions).toEqual(["delivery.redelivered", "event_type.created", "webhook.updated"]);
    expect(await entryCount()).toBe(entriesBefore + 3);
  });

  it("leaves a webhook the system would disable active while its entry cannot be written, and disables it with the entry after", async () => {
    const gone = { status: 410 };
    const goneReceiver = await startReceiver(anyChallenge(gone));
    app.onClose(() => goneReceiver.close());
    const made = await app.call("POST", "/v1/webhooks", { key, body: { url: goneReceiver.url, verifyToken: TOKEN, eventTypes: ["chat.status_changed"] } });
    expect(made.status).toBe(201);
    const id = made.body.id as string;
    const disables = () => app.container.db.auditEntry.count({ where: { targetId: id, action: "webhook.disabled" } });

    await refuseEntries();
    try {
      expect((await app.call("POST", "/v1/events", { key, body: { type: "chat.status_changed", data: {} } })).status).toBe(202);
      await eventually(async () => goneReceiver.requests.filter((r) => r.method === "POST").length >= 1, "the attempt");
      // The settlement's transaction (delivery, disable, notices, entry) failed: nothing of it stayed.
      await new Promise((r) => setTimeout(r, 300));
      expect((await webhookRow(id))!.status).toBe("active");
      expect(await disables()).toBe(0);
      expect(await app.container.db.delivery.count({ where: { webhookId: id, status: "pending" } })).toBe(1);
    } finally {
      await allowEntries();
    }
    // BullMQ runs the job again; this time the disable and its entry commit together.
    await eventually(async () => (await webhookRow(id))!.status === "disabled", "the disable", 20_000);
    expect(await disables()).toBe(1);
  });
});
