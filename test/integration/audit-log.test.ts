import type { ServerResponse } from "node:http";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { captureLogs, type CapturedLogs } from "../support/log-capture";
import { createPki, type Pki } from "../support/pki";
import { startReceiver, type Receiver, type RecordedRequest } from "../support/receivers";

/**
 * The audit log (src/audit/): every change to an account's webhooks, event types and portal
 * sessions, and every redelivery, is recorded once, with who made it (the key's id and name,
 * the admin, a portal session, or the system) and the request id, and never a secret's value:
 * checked over the table's whole rows with plain SQL and over every log line.
 */
const TOKEN_1 = "audit-verify-token-first-0001";
const TOKEN_2 = "audit-verify-token-second-0002";
const SECRET_3 = "audit-rotated-secret-third-0003";

/** Answers any handshake (whatever the token) and every POST as `status` says. */
function anyChallenge(state: { status: number }) {
  return (req: RecordedRequest, res: ServerResponse) => {
    if (req.method === "GET") return void res.writeHead(200).end(req.url.searchParams.get("hub.challenge") ?? "ok");
    res.writeHead(state.status, { "content-type": "text/plain" }).end(String(state.status));
  };
}

interface Entry {
  id: string;
  at: string;
  action: string;
  target: { type: string; id: string };
  actor: { type: string; id: string | null; name: string | null };
  requestId: string | null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  changes: Record<string, any> | null;
  reason: string | null;
}

describe("the audit log", () => {
  let app: TestApp;
  let logs: CapturedLogs;
  let pki: Pki;
  let receiver: Receiver;
  const answer = { status: 200 };
  let key: string;
  let accountId: string;
  let keyRow: { id: string; name: string };
  /** Every secret value the tests send or are shown: none may reach the table or the logs. */
  const secrets = new Set<string>([TOKEN_1, TOKEN_2, SECRET_3]);

  beforeAll(async () => {
    logs = captureLogs("trace");
    app = await startTestApp({ HOOKRELAY_RETRY_SCHEDULE: "0", HOOKRELAY_RETRY_JITTER: "0" }, { logger: logs.logger, worker: true });
    pki = await createPki();
    receiver = await startReceiver(anyChallenge(answer));
    app.onClose(() => receiver.close());
    ({ apiKey: key, accountId } = await app.newAccount("Audited Ltd"));
    secrets.add(key);
    keyRow = await app.container.db.apiKey.findFirstOrThrow({ where: { accountId }, select: { id: true, name: true } });
  });
  afterAll(async () => {
    await app.close();
    await pki.remove();
  });

  const log = async (query = "", as = key): Promise<Entry[]> => {
    const res = await app.call("GET", `/v1/audit-log?limit=100${query}`, { key: as });
    expect(res.status).toBe(200);
    return res.body.data as Entry[];
  };
  const about = async (targetId: string, as = key) => log(`&targetId=${targetId}`, as);
  const withId = (requestId: string) => ({ "x-request-id": requestId });
  const keyActor = () => ({ type: "api_key", id: keyRow.id, name: keyRow.name });
  const newWebhook = async (requestId = "req-create") => {
    const res = await app.call("POST", "/v1/webhooks", {
      key,
      headers: withId(requestId),
      body: { url: receiver.url, verifyToken: TOKEN_1, eventTypes: ["message.created"] },
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  it("records a webhook's life, each change once, with the key that made it, its name and the request id", async () => {
    const id = await newWebhook("req-create-1");
    const patched = await app.call("PATCH", `/v1/webhooks/${id}`, {
      key,
      headers: withId("req-update-1"),
      body: { description: "orders", verifyToken: TOKEN_2, eventTypes: ["message.created", "chat.status_changed"] },
    });
    expect(patched.status).toBe(200);
    const rotated = await app.call("POST", `/v1/webhooks/${id}/rotate-secret`, { key, headers: withId("req-rotate-1"), body: { secret: SECRET_3, graceSeconds: 60 } });
    expect(rotated.status).toBe(200);
    expect((await app.call("POST", `/v1/webhooks/${id}/disable`, { key, headers: withId("req-pause-1"), body: { reason: "maintenance window" } })).status).toBe(200);
    expect((await app.call("POST", `/v1/webhooks/${id}/enable`, { key, headers: withId("req-enable-1") })).status).toBe(200);
    expect((await app.call("DELETE", `/v1/webhooks/${id}`, { key, headers: withId("req-delete-1") })).status).toBe(204);

    const entries = await about(id);
    expect(entries.map((e) => [e.action, e.requestId])).toEqual([
      ["webhook.deleted", "req-delete-1"],
      ["webhook.enabled", "req-enable-1"],
      ["webhook.paused", "req-pause-1"],
      ["webhook.secret_rotated", "req-rotate-1"],
      ["webhook.updated", "req-update-1"],
      ["webhook.created", "req-create-1"],
    ]);
    for (const e of entries) {
      expect(e.actor).toEqual(keyActor());
      expect(e.target).toEqual({ type: "webhook", id });
    }
    const [deleted, enabled, paused, secretRotated, updated, created] = entries;
    expect(created!.changes).toMatchObject({ url: { from: null, to: receiver.url }, eventTypes: { from: null, to: ["message.created"] } });
    expect(updated!.changes).toEqual({
      description: { from: null, to: "orders" },
      verifyToken: { changed: true },
      eventTypes: { from: ["message.created"], to: ["message.created", "chat.status_changed"] },
    });
    expect(secretRotated!.changes).toMatchObject({ secret: { changed: true } });
    expect(paused!).toMatchObject({ reason: "maintenance window", changes: { status: { from: "active", to: "disabled" } } });
    expect(enabled!.changes).toMatchObject({ status: { from: "disabled", to: "active" } });
    expect(deleted!.changes).toEqual({ status: { from: "active", to: "deleted" } });
  });

  it("takes the request id the API answered with when the caller sent none", async () => {
    const res = await app.call("POST", "/v1/webhooks", { key, body: { url: receiver.url, verifyToken: TOKEN_1, eventTypes: ["message.created"] } });
    expect(res.status).toBe(201);
    const [entry] = await about(res.body.id);
    expect(entry!.requestId).toBe(res.headers.get("x-request-id"));
    expect(entry!.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("records a patch that changes nothing not at all, and a pause of a paused webhook once", async () => {
    const id = await newWebhook();
    expect((await app.call("PATCH", `/v1/webhooks/${id}`, { key, body: { eventTypes: ["message.created"] } })).status).toBe(200);
    expect((await app.call("POST", `/v1/webhooks/${id}/disable`, { key, body: {} })).status).toBe(200);
    expect((await app.call("POST", `/v1/webhooks/${id}/disable`, { key, body: {} })).status).toBe(200);
    expect((await about(id)).map((e) => e.action)).toEqual(["webhook.paused", "webhook.created"]);
  });

  it("records a client certificate and its key as changed, never the key", async () => {
    const id = await newWebhook();
    const client = await pki.client(await pki.ca("Audit CA"), "audit-client");
    secrets.add(client.key.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "").slice(0, 60));
    const res = await app.call("PATCH", `/v1/webhooks/${id}`, { key, body: { clientCertificate: client.cert, clientKey: client.key } });
    expect(res.status).toBe(200);
    const [entry] = await about(id);
    expect(entry).toMatchObject({ action: "webhook.updated", changes: { clientCertificate: { changed: true }, clientKey: { changed: true } } });

    // Made with one from the start: recorded as given, neither PEM in the row.
    const made = await app.call("POST", "/v1/webhooks", { key, body: { url: receiver.url, verifyToken: TOKEN_1, eventTypes: ["message.created"], clientCertificate: client.cert, clientKey: client.key } });
    expect(made.status).toBe(201);
    const [created] = await about(made.body.id);
    expect(created).toMatchObject({ action: "webhook.created", changes: { clientCertificate: { changed: true } } });
    expect(created!.changes!.clientKey).toBeUndefined();
    const row = await app.container.sql.query<{ row: string }>("SELECT a::text AS row FROM audit_log a WHERE target_id = $1", [made.body.id]);
    expect(row.rows[0]!.row).not.toContain("BEGIN");
  });

  it("records event types created and catalogs imported, an import that adds nothing not at all", async () => {
    const created = await app.call("POST", "/v1/event-types", { key, headers: withId("req-et-1"), body: { name: "invoice.sent", description: "An invoice went out" } });
    expect(created.status).toBe(201);
    expect((await app.call("POST", "/v1/event-types/import", { key, body: { catalog: "oblic" } })).status).toBe(200);
    expect((await app.call("POST", "/v1/event-types/import", { key, body: { catalog: "oblic" } })).status).toBe(200);
    const [imported, etCreated, ...rest] = await log("&action=event_types.imported").then(async (i) => [...i, ...(await log("&action=event_type.created"))]);
    expect(rest).toEqual([]);
    expect(imported).toMatchObject({ target: { type: "account", id: accountId }, actor: keyActor(), changes: { catalog: { to: "oblic" } } });
    expect(imported!.changes!.eventTypes.to.length).toBeGreaterThan(0);
    expect(etCreated).toMatchObject({ target: { type: "event_type" }, actor: keyActor(), requestId: "req-et-1", changes: { name: { from: null, to: "invoice.sent" } } });
  });

  it("names the admin, a portal session, and the key for portal sessions created and ended", async () => {
    const byAdmin = await app.call("POST", "/v1/portal/sessions", { key: app.adminKey, headers: withId("req-admin-ps"), body: { accountId, access: "manage" } });
    expect(byAdmin.status).toBe(201);
    const token = new URL(byAdmin.body.url).hash.replace("#token=", "");
    const exchanged = await app.call("POST", "/v1/portal/session/exchange", { body: { token } });
    const session = exchanged.body.sessionToken as string;
    secrets.add(token).add(session);

    // The person in the portal makes a webhook and pauses it: those are the session's.
    const made = await app.call("POST", "/v1/webhooks", { key: session, body: { url: receiver.url, verifyToken: TOKEN_1, eventTypes: ["message.created"] } });
    expect(made.status).toBe(201);
    expect((await app.call("POST", `/v1/webhooks/${made.body.id}/disable`, { key: session, body: { reason: "from the portal" } })).status).toBe(200);
    expect((await app.call("DELETE", "/v1/portal/session", { key: session })).status).toBe(204);

    const psByKey = await app.call("POST", "/v1/portal/sessions", { key, body: { access: "read" } });
    expect((await app.call("DELETE", `/v1/portal/sessions/${psByKey.body.id}`, { key, headers: withId("req-end-ps") })).status).toBe(204);
    // Ending it again changes nothing.
    expect((await app.call("DELETE", `/v1/portal/sessions/${psByKey.body.id}`, { key })).status).toBe(204);

    const sessionActor = { type: "portal_session", id: byAdmin.body.id, name: null };
    expect((await about(byAdmin.body.id)).map((e) => [e.action, e.actor, e.requestId])).toEqual([
      ["portal_session.ended", sessionActor, expect.any(String)],
      ["portal_session.created", { type: "admin", id: null, name: null }, "req-admin-ps"],
    ]);
    expect((await about(made.body.id)).map((e) => [e.action, e.actor])).toEqual([
      ["webhook.paused", sessionActor],
      ["webhook.created", sessionActor],
    ]);
    expect((await about(psByKey.body.id)).map((e) => [e.action, e.actor, e.requestId])).toEqual([
      ["portal_session.ended", keyActor(), "req-end-ps"],
      ["portal_session.created", keyActor(), expect.any(String)],
    ]);
    expect((await about(psByKey.body.id))[1]!.changes).toEqual({ access: { from: null, to: "read" }, ttlSeconds: { from: null, to: expect.any(Number) } });
  });

  it("records the system's disable of a failing webhook with its reason, and a redelivery with the key", async () => {
    const gone = { status: 410 };
    const goneReceiver = await startReceiver(anyChallenge(gone));
    app.onClose(() => goneReceiver.close());
    const made = await app.call("POST", "/v1/webhooks", { key, body: { url: goneReceiver.url, verifyToken: TOKEN_1, eventTypes: ["chat.status_changed"] } });
    const failing = await app.call("POST", "/v1/webhooks", { key, body: { url: receiver.url, verifyToken: TOKEN_1, eventTypes: ["chat.status_changed"] } });
    answer.status = 500;
    try {
      expect((await app.call("POST", "/v1/events", { key, body: { type: "chat.status_changed", data: { n: 1 } } })).status).toBe(202);
      await eventually(async () => (await app.container.db.webhook.findUniqueOrThrow({ where: { id: made.body.id } })).status === "disabled", "the disable");
      await eventually(async () => (await app.container.db.delivery.findFirst({ where: { webhookId: failing.body.id, status: "failed" } })) ?? null, "the failed delivery");
    } finally {
      answer.status = 200;
    }
    const [disabled, ...others] = await about(made.body.id);
    expect(others.map((e) => e.action)).toEqual(["webhook.created"]);
    expect(disabled).toMatchObject({
      action: "webhook.disabled",
      actor: { type: "system", id: null, name: null },
      requestId: null,
      reason: "the endpoint answered 410 Gone",
      changes: { status: { from: "active", to: "disabled" } },
    });

    const delivery = await app.container.db.delivery.findFirstOrThrow({ where: { webhookId: failing.body.id } });
    const redelivered = await app.call("POST", `/v1/deliveries/${delivery.id}/redeliver`, { key, headers: withId("req-redeliver") });
    expect(redelivered.status).toBe(202);
    expect(await about(delivery.id)).toEqual([
      expect.objectContaining({
        action: "delivery.redelivered",
        target: { type: "delivery", id: delivery.id },
        actor: keyActor(),
        requestId: "req-redeliver",
        changes: { status: { from: "failed", to: "pending" }, chain: { from: delivery.chain, to: delivery.chain + 1 } },
      }),
    ]);
  });

  it("records API keys created, rotated and revoked once each, with the key that did it, and never a key", async () => {
    const made = await app.call("POST", "/v1/api-keys", { key, headers: withId("req-key-1"), body: { name: "emitter", scopes: ["events:write"] } });
    expect(made.status).toBe(201);
    expect(made.body.apiKey).toEqual(expect.stringMatching(/^hr_/));
    secrets.add(made.body.apiKey);
    const rotated = await app.call("POST", `/v1/api-keys/${made.body.id}/rotate`, { key, body: { gracePeriodSeconds: 0 } });
    expect(rotated.status).toBe(200);
    const newKey: unknown = rotated.body.apiKey?.apiKey;
    expect(newKey).toEqual(expect.stringMatching(/^hr_/));
    secrets.add(newKey as string);
    expect((await app.call("POST", `/v1/api-keys/${made.body.id}/revoke`, { key })).status).toBe(200);
    const entries = await about(made.body.id);
    expect(entries.map((e) => [e.action, e.actor])).toEqual([
      ["api_key.revoked", keyActor()],
      ["api_key.rotated", keyActor()],
      ["api_key.created", keyActor()],
    ]);
    expect(entries[2]!.requestId).toBe("req-key-1");
    // A portal session reads the account's log, but not about its keys.
    const link = await app.call("POST", "/v1/portal/sessions", { key, body: { access: "read" } });
    const exchanged = await app.call("POST", "/v1/portal/session/exchange", { body: { token: new URL(link.body.url).hash.replace("#token=", "") } });
    secrets.add(exchanged.body.sessionToken);
    const seen = await log("", exchanged.body.sessionToken);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.filter((e) => e.target.type === "api_key")).toEqual([]);
  });

  it("filters by action, actor type and time, pages newest first with a cursor, and reads only the caller's account", async () => {
    const all = await log();
    expect(all.length).toBeGreaterThan(10);
    const sorted = [...all].sort((a, b) => (a.at === b.at ? (a.id < b.id ? 1 : -1) : a.at < b.at ? 1 : -1));
    expect(all.map((e) => e.id)).toEqual(sorted.map((e) => e.id));

    const paged: Entry[] = [];
    let cursor: string | null = null;
    do {
      const res = await app.call("GET", `/v1/audit-log?limit=3${cursor ? `&cursor=${cursor}` : ""}`, { key });
      paged.push(...(res.body.data as Entry[]));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(paged.map((e) => e.id)).toEqual(all.map((e) => e.id));

    expect(new Set((await log("&action=webhook.paused")).map((e) => e.action))).toEqual(new Set(["webhook.paused"]));
    expect(new Set((await log("&actorType=system")).map((e) => e.actor.type))).toEqual(new Set(["system"]));
    const middle = all[Math.floor(all.length / 2)]!;
    const since = await log(`&from=${encodeURIComponent(middle.at)}`);
    expect(since.length).toBeGreaterThan(0);
    expect(since.every((e) => e.at >= middle.at)).toBe(true);
    expect((await log(`&to=${encodeURIComponent(middle.at)}`)).every((e) => e.at < middle.at)).toBe(true);

    // The admin names the account; without one it is a 400, an unknown one a 404.
    const asAdmin = await app.call("GET", `/v1/audit-log?limit=100&accountId=${accountId}`, { key: app.adminKey });
    expect(asAdmin.body.data.map((e: Entry) => e.id)).toEqual(all.map((e) => e.id));
    expect((await app.call("GET", "/v1/audit-log", { key: app.adminKey })).status).toBe(400);
    expect((await app.call("GET", "/v1/audit-log?accountId=acc_01JD2Z8Q3M4N5P6R7S8T9V0W1X", { key: app.adminKey })).status).toBe(404);
    expect((await app.call("GET", "/v1/audit-log?cursor=nope", { key })).body.error.code).toBe("invalid_cursor");

    // Another account sees none of it: only its own key's creation.
    const other = await app.newAccount("Elsewhere");
    expect((await log("", other.apiKey)).map((e) => e.action)).toEqual(["api_key.created"]);
    expect((await app.call("GET", `/v1/audit-log?accountId=${accountId}`, { key: other.apiKey })).status).toBe(403);
  });

  it("keeps no secret anywhere: not in any audit row, not in any log line", async () => {
    const rows = await app.container.sql.query<{ row: string }>("SELECT a::text AS row FROM audit_log a");
    expect(rows.rows.length).toBeGreaterThan(10);
    const text = rows.rows.map((r) => r.row).join("\n");
    const logText = logs.lines.join("\n");
    expect(logs.lines.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      expect({ secret, inAuditLog: text.includes(secret), inLogs: logText.includes(secret) }).toEqual({ secret, inAuditLog: false, inLogs: false });
    }
    // Secrets hookrelay generated and showed once: at creation and at a rotation without one given.
    const made = await app.call("POST", "/v1/webhooks", { key, body: { url: receiver.url, dialect: "standard-webhooks", eventTypes: ["message.created"] } });
    expect(made.body.secret).toEqual(expect.any(String));
    const rotated = await app.call("POST", `/v1/webhooks/${made.body.id}/rotate-secret`, { key, body: { graceSeconds: 0 } });
    expect(rotated.body.secret).toEqual(expect.any(String));
    const again = await app.container.sql.query<{ row: string }>("SELECT a::text AS row FROM audit_log a WHERE target_id = $1", [made.body.id]);
    expect(again.rows).toHaveLength(2);
    for (const secret of [made.body.secret as string, rotated.body.secret as string]) {
      const bare = secret.replace(/^whsec_/, "");
      expect(again.rows.some((r) => r.row.includes(bare))).toBe(false);
      expect(logs.lines.some((l) => l.includes(bare))).toBe(false);
    }
  });
});
