import type { ServerResponse } from "node:http";
import { aWebhook } from "../support/factories";
import { eventually, startTestApp, type TestApp } from "../support/app";
import type { Respond, WebhookReceiver } from "../support/receivers";
import { idTime } from "../../src/lib/ids";

/**
 * Bulk replay (src/replay/) end to end, with the worker in-process: what a replay matches,
 * that each matched delivery is sent once more (also when the replay is started twice), that a
 * dry run sends nothing and a cancel stops it, and what the enable answer offers to replay.
 */
const BATCH = 10;
const MAX_QUEUED = 20;
const QUIET_MS = 300;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const answer = (status: number): Respond => (_req, res) => res.writeHead(status, { "content-type": "text/plain" }).end(String(status));

describe("replaying a webhook's deliveries in bulk", () => {
  let app: TestApp;
  let key: string;
  let accountId: string;

  beforeAll(async () => {
    app = await startTestApp(
      { HOOKRELAY_RETRY_SCHEDULE: "0", HOOKRELAY_RETRY_JITTER: "0", HOOKRELAY_REPLAY_RATE: "2000", HOOKRELAY_REPLAY_BATCH: String(BATCH), HOOKRELAY_REPLAY_MAX_QUEUED: String(MAX_QUEUED) },
      { worker: true },
    );
    ({ apiKey: key, accountId } = await app.newAccount("Replays"));
  });
  afterAll(() => app.close());

  const db = () => app.container.db;
  const countWith = (webhookId: string, status: string) => db().delivery.count({ where: { webhookId, status: status as never, isTest: false } });

  /** `n` events of `type` to the webhook, each failing its one attempt; answers their delivery ids. */
  async function failing(receiver: WebhookReceiver, webhookId: string, n: number, type = "message.created"): Promise<string[]> {
    receiver.respond = answer(500);
    const before = await countWith(webhookId, "failed");
    for (let i = 0; i < n; i += 100) {
      const events = Array.from({ length: Math.min(100, n - i) }, (_, k) => ({ type, data: { seq: i + k } }));
      expect((await app.call("POST", "/v1/events/batch", { key, body: { events } })).status).toBe(202);
    }
    await eventually(async () => (await countWith(webhookId, "failed")) === before + n, `${n} failed deliveries`);
    const rows = await db().delivery.findMany({ where: { webhookId, eventType: type, status: "failed" }, orderBy: { id: "desc" }, take: n, select: { id: true } });
    return rows.map((r) => r.id);
  }

  const start = (webhookId: string, body: Record<string, unknown>, as = key) => app.call("POST", `/v1/webhooks/${webhookId}/replay`, { key: as, body });
  const getReplay = (id: string, as = key) => app.call("GET", `/v1/replays/${id}`, { key: as });
  const finished = (id: string) =>
    eventually(async () => {
      const res = await getReplay(id);
      return res.body.status !== "running" ? res.body : null;
    }, `replay ${id} to finish`);
  /** How many times each delivery id arrived since `from` (an index into receiver.deliveries). */
  const arrivalsSince = (receiver: WebhookReceiver, from: number) => {
    const counts = new Map<string, number>();
    for (const d of receiver.deliveries.slice(from)) counts.set(d.headers["x-webhook-id"] as string, (counts.get(d.headers["x-webhook-id"] as string) ?? 0) + 1);
    return counts;
  };

  it("sends each matched delivery once more as a new chain, within the bound on its queue, and completes", async () => {
    const { receiver, id: webhookId } = await aWebhook(app, key);
    const since = new Date().toISOString();
    const ids = await failing(receiver, webhookId, 60);
    // The endpoint holds its answers at first: the replay may fill the webhook's line only so far.
    const held: ServerResponse[] = [];
    receiver.respond = (_req, res) => void held.push(res);
    const mark = receiver.deliveries.length;
    let mostQueued = 0;
    const watching = setInterval(() => {
      void app.container.fairQueue.webhookState(webhookId).then((s) => (mostQueued = Math.max(mostQueued, s.waiting + s.inFlight)));
    }, 10);

    const res = await start(webhookId, { since });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ webhookId, since, statuses: ["failed"], eventTypes: [], status: "running", matched: 60, finishedAt: null });
    expect(res.body.id).toMatch(/^rpl_/);
    await eventually(async () => (await getReplay(res.body.id)).body.replayed >= MAX_QUEUED, "the line filled");
    // Several passes of the runner (every 50 ms here) that find no room.
    await sleep(QUIET_MS);
    const { waiting, inFlight } = await app.container.fairQueue.webhookState(webhookId);
    expect(waiting + inFlight).toBeLessThanOrEqual(MAX_QUEUED + BATCH);
    expect((await getReplay(res.body.id)).body.replayed).toBeLessThanOrEqual(MAX_QUEUED + BATCH);
    receiver.respond = answer(200);
    held.splice(0).forEach((r) => r.writeHead(200).end("ok"));
    const done = await finished(res.body.id);
    clearInterval(watching);
    expect(done).toMatchObject({ status: "completed", matched: 60, replayed: 60 });
    await eventually(async () => (await countWith(webhookId, "succeeded")) === 60, "every replayed delivery to succeed");
    await sleep(QUIET_MS);

    const counts = arrivalsSince(receiver, mark);
    expect([...counts.keys()].sort()).toEqual([...ids].sort());
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const rows = await db().delivery.findMany({ where: { id: { in: ids } } });
    expect(rows.every((r) => r.chain === 1 && r.attemptCount === 2 && r.status === "succeeded")).toBe(true);
    // A batch is restarted only while the line has room: at most the bound and one batch.
    expect(mostQueued).toBeLessThanOrEqual(MAX_QUEUED + BATCH);
    const entry = await db().auditEntry.findFirst({ where: { accountId, action: "replay.started", targetId: webhookId } });
    expect(entry?.changes).toMatchObject({ replayId: res.body.id, matched: 60 });
  });

  it("answers a second start of the same replay with the running one, refuses a different one, and sends each once", async () => {
    const { receiver, id: webhookId } = await aWebhook(app, key);
    const since = new Date().toISOString();
    const ids = await failing(receiver, webhookId, 40);
    // The endpoint holds its answers: the replay fills the webhook's line and waits, running.
    const held: ServerResponse[] = [];
    receiver.respond = (_req, res) => void held.push(res);
    const mark = receiver.deliveries.length;

    const first = await start(webhookId, { since });
    expect(first.status).toBe(202);
    const again = await start(webhookId, { since });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const other = await start(webhookId, { since, statuses: ["failed", "skipped"] });
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: "replay_in_progress", details: { replayId: first.body.id } });
    expect(await db().replay.count({ where: { webhookId } })).toBe(1);

    receiver.respond = answer(200);
    held.splice(0).forEach((r) => r.writeHead(200).end("ok"));
    expect(await finished(first.body.id)).toMatchObject({ status: "completed", replayed: 40 });
    await eventually(async () => (await countWith(webhookId, "succeeded")) === 40, "every replayed delivery to succeed");
    await sleep(QUIET_MS);
    const counts = arrivalsSince(receiver, mark);
    expect(counts.size).toBe(40);
    expect([...counts.keys()].sort()).toEqual([...ids].sort());
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  it("counts without sending on a dry run", async () => {
    const { receiver, id: webhookId } = await aWebhook(app, key);
    const since = new Date().toISOString();
    await failing(receiver, webhookId, 12);
    const mark = receiver.deliveries.length;

    const res = await start(webhookId, { since, dryRun: true });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ dryRun: true, matched: 12, since, until: expect.any(String), statuses: ["failed"], eventTypes: [] });
    await sleep(QUIET_MS);
    expect(receiver.deliveries.length).toBe(mark);
    expect(await db().replay.count({ where: { webhookId } })).toBe(0);
    expect(await countWith(webhookId, "failed")).toBe(12);
  });

  it("stops restarting deliveries once cancelled; those restarted before are sent once", async () => {
    const { receiver, id: webhookId } = await aWebhook(app, key);
    const since = new Date().toISOString();
    await failing(receiver, webhookId, 60);
    const held: ServerResponse[] = [];
    receiver.respond = (_req, res) => void held.push(res);
    const mark = receiver.deliveries.length;

    const started = await start(webhookId, { since });
    expect(started.status).toBe(202);
    await eventually(async () => (await getReplay(started.body.id)).body.replayed >= BATCH, "a first batch");
    const cancelled = await app.call("POST", `/v1/replays/${started.body.id}/cancel`, { key });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: "cancelled", finishedAt: expect.any(String) });
    const replayed = cancelled.body.replayed as number;
    expect(replayed).toBeLessThan(60);

    receiver.respond = answer(200);
    held.splice(0).forEach((r) => r.writeHead(200).end("ok"));
    await eventually(async () => (await countWith(webhookId, "succeeded")) === replayed, "the restarted ones to succeed");
    await sleep(QUIET_MS * 2);
    expect((await getReplay(started.body.id)).body).toMatchObject({ status: "cancelled", replayed });
    expect(await countWith(webhookId, "failed")).toBe(60 - replayed);
    const counts = arrivalsSince(receiver, mark);
    expect(counts.size).toBe(replayed);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);

    // Cancelled again: the same answer. A finished one cannot be.
    const twice = await app.call("POST", `/v1/replays/${started.body.id}/cancel`, { key });
    expect(twice.status).toBe(200);
    expect(twice.body).toEqual(cancelled.body);
    const done = await start(webhookId, { since, statuses: ["succeeded"] });
    await finished(done.body.id);
    const late = await app.call("POST", `/v1/replays/${done.body.id}/cancel`, { key });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("replay_finished");
    expect(await db().auditEntry.count({ where: { accountId, action: "replay.cancelled", targetId: webhookId } })).toBe(1);
  });

  it("matches by status, event type and the event's creation time, never a test delivery", async () => {
    const { receiver, id: webhookId } = await aWebhook(app, key, { eventTypes: ["message.created", "chat.status_changed"] });
    const t0 = new Date().toISOString();
    const early = await failing(receiver, webhookId, 10);
    await failing(receiver, webhookId, 6, "chat.status_changed");
    await sleep(5);
    const t1 = new Date().toISOString();
    await sleep(5);
    await failing(receiver, webhookId, 4);
    await db().delivery.updateMany({ where: { id: { in: early.slice(0, 3) } }, data: { status: "skipped" } });
    await db().delivery.updateMany({ where: { id: { in: early.slice(3, 5) } }, data: { status: "succeeded" } });
    receiver.respond = answer(200);
    expect((await app.call("POST", `/v1/webhooks/${webhookId}/test`, { key, body: {} })).status).toBe(200);
    const count = async (body: Record<string, unknown>) => {
      const res = await start(webhookId, { since: t0, ...body, dryRun: true });
      expect(res.status).toBe(200);
      return res.body.matched as number;
    };

    expect(await count({})).toBe(15);
    expect(await count({ statuses: ["skipped"] })).toBe(3);
    expect(await count({ statuses: ["skipped", "succeeded"] })).toBe(5);
    expect(await count({ statuses: "all" })).toBe(20);
    expect(await count({ statuses: "all", eventTypes: ["chat.status_changed"] })).toBe(6);
    expect(await count({ since: t1 })).toBe(4);
    expect(await count({ until: t1, statuses: "all" })).toBe(16);

    const mark = receiver.deliveries.length;
    const res = await start(webhookId, { since: t0, until: t1, statuses: ["skipped"] });
    expect(res.body.matched).toBe(3);
    await finished(res.body.id);
    await eventually(async () => receiver.deliveries.length === mark + 3, "the three skipped ones");
    await sleep(QUIET_MS);
    expect([...arrivalsSince(receiver, mark).keys()].sort()).toEqual(early.slice(0, 3).sort());
  });

  it("clamps since to the account's retention window, and matches nothing wholly past it", async () => {
    const { id: webhookId } = await aWebhook(app, key);
    const other = await app.newAccount("Short retention");
    const { id: shortWebhook } = await aWebhook(app, other.apiKey);
    await db().account.update({ where: { id: other.accountId }, data: { retentionDays: 1 } });
    const day = 86_400_000;
    const longAgo = new Date(Date.now() - 10 * day).toISOString();

    const res = await start(shortWebhook, { since: longAgo, dryRun: true }, other.apiKey);
    expect(res.status).toBe(200);
    expect(Math.abs(Date.parse(res.body.since) - (Date.now() - day))).toBeLessThan(60_000);
    const past = await start(shortWebhook, { since: longAgo, until: new Date(Date.now() - 5 * day).toISOString() }, other.apiKey);
    expect(past.status).toBe(202);
    expect(past.body).toMatchObject({ matched: 0, status: "completed" });
    // The default retention (30 days) keeps ten days back as asked.
    expect((await start(webhookId, { since: longAgo, dryRun: true })).body.since).toBe(longAgo);
  });

  it("refuses bad input with 400s, a disabled webhook with 422, and another account's or a missing one with 404", async () => {
    const { id: webhookId } = await aWebhook(app, key);
    const since = new Date(Date.now() - 60_000).toISOString();
    const field = async (body: unknown) => {
      const res = await app.call("POST", `/v1/webhooks/${webhookId}/replay`, { key, body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
      return res.body.error.details.issues[0].field as string;
    };
    expect(await field({})).toBe("body.since");
    expect(await field({ since: "yesterday" })).toBe("body.since");
    expect(await field({ since, until: since })).toBe("body.until");
    expect(await field({ since, until: new Date(Date.now() - 120_000).toISOString() })).toBe("body.until");
    expect(await field({ since: new Date(Date.now() + 60_000).toISOString() })).toBe("body.since");
    expect(await field({ since, statuses: [] })).toBe("body.statuses");
    expect(await field({ since, statuses: ["pending"] })).toMatch(/^body\.statuses/);
    expect(await field({ since, statuses: "everything" })).toBe("body.statuses");
    expect(await field({ since, eventTypes: Array.from({ length: 101 }, (_, i) => `t.e${i}`) })).toBe("body.eventTypes");
    expect(await field({ since, dryRun: "yes" })).toBe("body.dryRun");
    expect(await field({ since, extra: 1 })).toMatch(/^body/);

    const other = await app.newAccount("Other");
    for (const res of [
      await start(webhookId, { since }, other.apiKey),
      await start("wh_nope", { since }),
      await app.call("GET", `/v1/webhooks/${webhookId}/replays`, { key: other.apiKey }),
      await getReplay("rpl_01JD2Z8Q3M4N5P6R7S8T9V0W1X"),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
    const mine = await start(webhookId, { since });
    for (const res of [await getReplay(mine.body.id, other.apiKey), await app.call("POST", `/v1/replays/${mine.body.id}/cancel`, { key: other.apiKey })]) {
      expect(res.status).toBe(404);
    }
    expect(await db().replay.findUniqueOrThrow({ where: { id: mine.body.id } })).toMatchObject({ accountId });

    expect((await app.call("POST", `/v1/webhooks/${webhookId}/disable`, { key, body: {} })).status).toBe(200);
    const disabled = await start(webhookId, { since });
    expect(disabled.status).toBe(422);
    expect(disabled.body.error.code).toBe("webhook_disabled");
  });

  it("lists a webhook's replays newest first, a page at a time", async () => {
    const { id: webhookId } = await aWebhook(app, key);
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await start(webhookId, { since: new Date(Date.now() - 60_000 - i).toISOString() });
      expect(res.body.status).toBe("completed");
      made.push(res.body.id);
    }
    const first = await app.call("GET", `/v1/webhooks/${webhookId}/replays?limit=2`, { key });
    expect(first.status).toBe(200);
    expect(first.body.data.map((r: { id: string }) => r.id)).toEqual([made[2], made[1]]);
    const second = await app.call("GET", `/v1/webhooks/${webhookId}/replays?limit=2&cursor=${first.body.nextCursor}`, { key });
    expect(second.body).toMatchObject({ data: [{ id: made[0] }], nextCursor: null });
  });

  it("offers on enable what was skipped while the webhook was off, and replays exactly that", async () => {
    // Deliveries are skipped when a retry comes due while the webhook is off: an app with a retry.
    const retrying = await startTestApp({ HOOKRELAY_RETRY_SCHEDULE: "0,1s", HOOKRELAY_RETRY_JITTER: "0", HOOKRELAY_REPLAY_RATE: "2000" }, { worker: true });
    try {
      const own = await retrying.newAccount("Skipped");
      const { receiver, id: webhookId } = await aWebhook(retrying, own.apiKey);
      const call = (method: string, path: string, body?: unknown) => retrying.call(method, path, { key: own.apiKey, body });
      const skipped = () => retrying.container.db.delivery.count({ where: { webhookId, status: "skipped" } });
      receiver.respond = answer(500);
      const events = Array.from({ length: 7 }, (_, i) => ({ type: "message.created", data: { i } }));
      expect((await call("POST", "/v1/events/batch", { events })).status).toBe(202);
      await eventually(async () => receiver.deliveries.length === 7, "the first attempts");
      const paused = await call("POST", `/v1/webhooks/${webhookId}/disable`, {});
      const disabledAt = paused.body.disabledAt as string;
      await eventually(async () => (await skipped()) === 7, "the retries to be skipped", 15_000);
      receiver.respond = answer(200);
      const mark = receiver.deliveries.length;

      const enabled = await call("POST", `/v1/webhooks/${webhookId}/enable`);
      expect(enabled.status).toBe(200);
      expect(enabled.body).toMatchObject({ id: webhookId, status: "active", skippedWhileDisabled: { since: expect.any(String), until: expect.any(String), count: 7 } });
      // The events came before the pause; their deliveries were skipped after it.
      const offer = enabled.body.skippedWhileDisabled;
      const firstEvent = await retrying.container.db.delivery.findFirstOrThrow({ where: { webhookId }, orderBy: { id: "asc" } });
      expect(Date.parse(offer.since)).toBeLessThanOrEqual(Date.parse(disabledAt));
      expect(Date.parse(offer.since)).toBe(idTime(firstEvent.id));
      const again = await call("POST", `/v1/webhooks/${webhookId}/enable`);
      expect(again.body.skippedWhileDisabled).toBeNull();

      const replay = await call("POST", `/v1/webhooks/${webhookId}/replay`, { since: offer.since, until: offer.until, statuses: ["skipped"] });
      expect(replay.body.matched).toBe(7);
      await eventually(async () => (await retrying.container.db.delivery.count({ where: { webhookId, status: "succeeded" } })) === 7, "the skipped ones to be delivered");
      await sleep(QUIET_MS);
      expect(receiver.deliveries.length).toBe(mark + 7);
    } finally {
      await retrying.close();
    }
  });
});
