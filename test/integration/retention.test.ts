import { idFloor, newId } from "../../src/lib/ids";
import { ensurePartitions, listPartitions } from "../../src/retention/partitions";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { aWebhook } from "../support/factories";

const DAY = 86_400_000;

/** One event with one delivery and one attempt, stored by SQL with ids made `ago` ms before now. */
async function seedAt(app: TestApp, w: { accountId: string; webhookId: string }, ago: number, status: "succeeded" | "failed" | "pending", key?: string) {
  const at = Date.now() - ago;
  const sql = app.container.sql;
  await ensurePartitions(sql, { at: [at], widthMs: DAY, ahead: 0 });
  const eventId = newId("evt", at);
  const deliveryId = newId("dlv", at);
  const attemptId = newId("att", at + 1_000);
  await sql.query(`INSERT INTO events (id, account_id, type, data, idempotency_key, created_at) VALUES ($1, $2, 'message.created', '{}', $3, $4)`, [
    eventId,
    w.accountId,
    key ?? null,
    new Date(at),
  ]);
  if (key) await sql.query(`INSERT INTO idempotency_keys (account_id, key, event_id, created_at) VALUES ($1, $2, $3, $4)`, [w.accountId, key, eventId, new Date(at)]);
  await sql.query(
    `INSERT INTO deliveries (id, account_id, webhook_id, event_id, event_type, status, next_attempt_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 'message.created', $5, $6, $7, $7)`,
    [deliveryId, w.accountId, w.webhookId, eventId, status, status === "pending" ? new Date(Date.now() + DAY) : null, new Date(at)],
  );
  await sql.query(
    `INSERT INTO delivery_attempts (id, delivery_id, webhook_id, account_id, event_id, event_type, attempt_number, success, request_url, request_headers, response_time_ms, started_at)
     VALUES ($1, $2, $3, $4, $5, 'message.created', 1, $6, 'https://x.test', '{}', 5, $7)`,
    [attemptId, deliveryId, w.webhookId, w.accountId, eventId, status === "succeeded", new Date(at + 1_000)],
  );
  return { eventId, deliveryId, attemptId };
}

async function exists(app: TestApp, ids: { eventId: string; deliveryId: string; attemptId: string }) {
  const { rows } = await app.container.sql.query<{ e: boolean; d: boolean; a: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM events WHERE id = $1) AS e, EXISTS (SELECT 1 FROM deliveries WHERE id = $2) AS d,
            EXISTS (SELECT 1 FROM delivery_attempts WHERE id = $3) AS a`,
    [ids.eventId, ids.deliveryId, ids.attemptId],
  );
  return rows[0];
}

describe("retention", () => {
  let app: TestApp;
  afterEach(async () => app?.close());

  it("drops whole partitions past the window, keeps a range while a delivery in it is pending, and trims an account that keeps less", async () => {
    app = await startTestApp({ HOOKRELAY_RETENTION: "30d" });
    const a = await app.newAccount();
    const b = await app.newAccount();
    const wa = { accountId: a.accountId, webhookId: (await aWebhook(app, a.apiKey)).id };
    const wb = { accountId: b.accountId, webhookId: (await aWebhook(app, b.apiKey)).id };
    const set = await app.call("PATCH", `/v1/accounts/${b.accountId}`, { key: app.adminKey, body: { retentionDays: 10 } });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ id: b.accountId, retentionDays: 10 });

    const old = await seedAt(app, wa, 40 * DAY, "failed", "old-key");
    const oldOfB = await seedAt(app, wb, 40 * DAY, "succeeded");
    const retrying = await seedAt(app, wa, 35 * DAY, "pending");
    const settledBeside = await seedAt(app, wa, 35 * DAY + 60_000, "failed");
    const recent = await seedAt(app, wa, 29 * DAY, "succeeded", "recent-key");
    const bPast = await seedAt(app, wb, 20 * DAY, "failed");
    const bPending = await seedAt(app, wb, 20 * DAY + 1, "pending");
    const bKept = await seedAt(app, wb, 9 * DAY, "failed");
    const rangesBefore = (await listPartitions(app.container.sql)).filter((p) => p.table === "events").length;

    const report = await app.container.retention.pass();

    // The day 40 days ago went whole, both accounts' rows with it; the day 35 days ago stays for its pending delivery.
    expect(report.dropped).toHaveLength(1);
    expect(report.dropped[0]!.hi).toBeLessThanOrEqual(Date.now() - 30 * DAY);
    expect(report.keptForPending).toHaveLength(1);
    expect(await exists(app, old)).toEqual({ e: false, d: false, a: false });
    expect(await exists(app, oldOfB)).toEqual({ e: false, d: false, a: false });
    expect(await exists(app, retrying)).toEqual({ e: true, d: true, a: true });
    expect(await exists(app, settledBeside)).toEqual({ e: true, d: true, a: true });
    expect(await exists(app, recent)).toEqual({ e: true, d: true, a: true });
    // Account B keeps 10 days: its older rows went one by one, except the pending delivery's.
    expect(await exists(app, bPast)).toEqual({ e: false, d: false, a: false });
    expect(await exists(app, bPending)).toEqual({ e: true, d: true, a: true });
    expect(await exists(app, bKept)).toEqual({ e: true, d: true, a: true });
    expect(report.trimmed).toMatchObject({ events: 1, deliveries: 1, delivery_attempts: 1 });
    // Keys past their 24 h go; none of the tables lost a partition it still needed.
    const { rows: keys } = await app.container.sql.query<{ key: string }>("SELECT key FROM idempotency_keys ORDER BY key");
    expect(keys).toEqual([]);
    const after = await listPartitions(app.container.sql);
    expect(after.filter((p) => p.table === "events")).toHaveLength(rangesBefore - 1);
    for (const t of ["deliveries", "delivery_attempts"]) expect(after.filter((p) => p.table === t)).toHaveLength(rangesBefore - 1);

    // Once the retry settles, the next pass drops its range too.
    await app.container.sql.query("UPDATE deliveries SET status = 'succeeded' WHERE id = $1", [retrying.deliveryId]);
    const next = await app.container.retention.pass();
    expect(next.dropped).toHaveLength(1);
    expect(await exists(app, retrying)).toEqual({ e: false, d: false, a: false });
    expect(await exists(app, settledBeside)).toEqual({ e: false, d: false, a: false });
    expect(await exists(app, recent)).toEqual({ e: true, d: true, a: true });
  });

  it("waits out a reader holding an expiring partition: lets go of its lock, tries again, finishes the detach", async () => {
    app = await startTestApp({ HOOKRELAY_RETENTION: "30d" });
    const a = await app.newAccount();
    const w = { accountId: a.accountId, webhookId: (await aWebhook(app, a.apiKey)).id };
    const old = await seedAt(app, w, 40 * DAY, "failed");
    const name = (await listPartitions(app.container.sql)).find((p) => p.table === "deliveries" && p.lo <= Date.now() - 40 * DAY && Date.now() - 40 * DAY < p.hi)!.name;
    // A long transaction that has read the partition: the detach's last step cannot lock it meanwhile.
    const reader = await app.container.sql.connect();
    await reader.query("BEGIN");
    await reader.query(`SELECT count(*) FROM ${name}`);
    const pass = app.container.retention.pass();
    // Meanwhile a live statement runs again and again on its generic plan: it is never held
    // behind the detach waiting for the reader.
    const slowest = { ms: 0 };
    const live = (async () => {
      const until = Date.now() + 1_500;
      while (Date.now() < until) {
        const t0 = Date.now();
        await app.container.sql.query({ name: "retention_test_live", text: "SELECT status FROM deliveries WHERE id = $1", values: [old.deliveryId] });
        slowest.ms = Math.max(slowest.ms, Date.now() - t0);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await live;
    const { rows: pending } = await app.container.sql.query<{ pending: boolean }>(
      "SELECT i.inhdetachpending AS pending FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relname = $1",
      [name],
    );
    await reader.query("COMMIT");
    reader.release();
    const report = await pass;
    // It had been detached halfway (queries no longer saw it) and was finished afterwards.
    expect(pending).toEqual([{ pending: true }]);
    expect(slowest.ms).toBeLessThan(1_000);
    expect(report.dropped).toHaveLength(1);
    expect(await exists(app, old)).toEqual({ e: false, d: false, a: false });
    expect((await listPartitions(app.container.sql)).some((p) => p.name === name)).toBe(false);
  });

  it("lets the operator set an account's retention, never past the global one", async () => {
    app = await startTestApp({ HOOKRELAY_RETENTION: "30d" });
    const a = await app.newAccount();
    const other = await app.newAccount();
    const path = `/v1/accounts/${a.accountId}`;
    expect((await app.call("GET", path, { key: app.adminKey })).body).toMatchObject({ id: a.accountId, retentionDays: null });
    const tooLong = await app.call("PATCH", path, { key: app.adminKey, body: { retentionDays: 31 } });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.error).toMatchObject({ code: "retention_too_long", message: expect.stringContaining("30 days") });
    for (const body of [{ retentionDays: 0 }, { retentionDays: 1.5 }, { retentionDays: "7" }, {}, { retentionDays: 7, extra: 1 }]) {
      const res = await app.call("PATCH", path, { key: app.adminKey, body });
      expect([res.status, res.body.error.code]).toEqual([400, "validation_failed"]);
    }
    // Only the operator: an account's own key, even one with every scope, cannot lengthen or shorten it.
    for (const key of [a.apiKey, other.apiKey]) {
      expect((await app.call("PATCH", path, { key, body: { retentionDays: 7 } })).status).toBe(403);
      expect((await app.call("GET", path, { key })).status).toBe(403);
    }
    expect((await app.call("PATCH", "/v1/accounts/acc_01J0000000000000000000000", { key: app.adminKey, body: { retentionDays: 7 } })).status).toBe(404);
    expect((await app.call("PATCH", path, { key: app.adminKey, body: { retentionDays: 7 } })).body.retentionDays).toBe(7);
    expect((await app.call("PATCH", path, { key: app.adminKey, body: { retentionDays: null } })).body.retentionDays).toBeNull();
    const log = await app.call("GET", `/v1/audit-log?accountId=${a.accountId}&action=account.retention_changed`, { key: app.adminKey });
    expect(log.body.data.map((e: { changes: unknown }) => e.changes)).toEqual([
      { retentionDays: { from: 7, to: null } },
      { retentionDays: { from: null, to: 7 } },
    ]);
  });

  it("makes partitions ahead, and one for a row whose time none covers", async () => {
    app = await startTestApp({ HOOKRELAY_PARTITION_WIDTH: "1h", HOOKRELAY_PARTITIONS_AHEAD: "5" });
    await app.container.retention.pass();
    const events = (await listPartitions(app.container.sql)).filter((p) => p.table === "events");
    const now = Date.now();
    // Covered from now to five hours on (the template's days already cover most of it).
    for (let t = now; t < now + 5 * 3_600_000; t += 600_000) expect(events.some((p) => p.lo <= t && t < p.hi)).toBe(true);

    // An event stamped by a clock years away finds no partition, gets one, and is stored.
    const a = await app.newAccount();
    await aWebhook(app, a.apiKey);
    const far = Date.UTC(2031, 0, 1, 12);
    const farApp = await startTestApp({}, { clock: { now: () => new Date(far) } });
    try {
      const acct = await farApp.newAccount();
      await aWebhook(farApp, acct.apiKey);
      const res = await farApp.call("POST", "/v1/events", { key: acct.apiKey, body: { type: "message.created", data: { n: 1 } } });
      expect(res.status).toBe(202);
      const { rows } = await farApp.container.sql.query<{ t: string }>("SELECT tableoid::regclass::text AS t FROM events WHERE id = $1", [res.body.id]);
      expect(rows).toEqual([{ t: "events_p20310101000000" }]);
      const { rows: d } = await farApp.container.sql.query<{ t: string }>("SELECT tableoid::regclass::text AS t FROM deliveries WHERE event_id = $1", [res.body.id]);
      expect(d).toEqual([{ t: "deliveries_p20310101000000" }]);
    } finally {
      await farApp.close();
    }
  });

  it("runs while events are ingested and delivered: no error, every event delivered once", async () => {
    // Ranges of 1 s kept 3 s, a pass every 300 ms: many drops while the load runs.
    app = await startTestApp(
      { HOOKRELAY_RETENTION: "3s", HOOKRELAY_PARTITION_WIDTH: "1s", HOOKRELAY_PARTITIONS_AHEAD: "2", HOOKRELAY_RETENTION_INTERVAL: "300ms" },
      { worker: true },
    );
    const a = await app.newAccount();
    const { receiver } = await aWebhook(app, a.apiKey);
    const accepted: string[] = [];
    const failures: number[] = [];
    const until = Date.now() + 6_000;
    const producer = async () => {
      while (Date.now() < until) {
        const res = await app.call("POST", "/v1/events", { key: a.apiKey, body: { type: "message.created", data: { at: Date.now() } } });
        if (res.status === 202) accepted.push(res.body.id as string);
        else failures.push(res.status);
      }
    };
    await Promise.all([producer(), producer(), producer()]);
    await eventually(async () => receiver.deliveries.length >= accepted.length, `all ${accepted.length} events delivered`, 20_000);
    expect(failures).toEqual([]);
    expect(accepted.length).toBeGreaterThan(100);
    // Each accepted event once: as many requests as events, each a delivery of its own, each a
    // first attempt (one webhook, so one delivery per event).
    expect(receiver.deliveries).toHaveLength(accepted.length);
    expect(new Set(receiver.deliveries.map((r) => r.headers["x-webhook-id"])).size).toBe(accepted.length);
    expect(receiver.deliveries.every((r) => r.headers["x-webhook-attempt"] === "1")).toBe(true);
    // And the old ranges went meanwhile: what is left is recent.
    await eventually(async () => {
      const { rows } = await app.container.sql.query<{ oldest: string | null }>("SELECT min(id) AS oldest FROM events");
      return rows[0]!.oldest === null || rows[0]!.oldest >= idFloor("evt", Date.now() - 8_000);
    }, "the expired ranges to be dropped", 10_000);
  }, 60_000);
});
