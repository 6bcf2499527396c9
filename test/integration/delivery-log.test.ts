import { newId } from "../../src/lib/ids";
import { ensurePartitions } from "../../src/retention/partitions";
import { aWebhook } from "../support/factories";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { type Respond } from "../support/receivers";

const TOKEN = "delivery-log-token-00001";
const TIMEOUT_MS = 300;

interface LoggedAttempt {
  id: string;
  deliveryId: string;
  eventType: string;
  attemptNumber: number;
  isTest: boolean;
  success: boolean;
  requestHeaders: Record<string, string>;
  statusCode: number | null;
  responseTimeMs: number;
  responseBody: string | null;
  error: { class: string | null; message: string } | null;
  timestamp: string;
}

const answerWith = (status: number, text: string): Respond => (_req, res) => res.writeHead(status, { "content-type": "text/plain" }).end(text);

describe("the delivery log of a webhook", () => {
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp(
      { HOOKRELAY_RETRY_SCHEDULE: "0,50ms,50ms", HOOKRELAY_RETRY_JITTER: "0", HOOKRELAY_DELIVERY_TIMEOUT_MS: String(TIMEOUT_MS) },
      { worker: true },
    );
    key = (await app.newAccount()).apiKey;
  });
  afterAll(async () => {
    await app.close();
  });

  const aWebhookHere = async (eventTypes: string[] = ["message.created", "chat.status_changed"]) => {
    const { receiver, id } = await aWebhook(app, key, { eventTypes, token: TOKEN });
    return { receiver, webhookId: id };
  };
  const emit = async (type: string, data: Record<string, unknown> = { n: 1 }) => {
    const res = await app.call("POST", "/v1/events", { key, body: { type, data } });
    expect(res.status).toBe(202);
    return res.body as { id: string };
  };
  const log = (webhookId: string, query = "") => app.call("GET", `/v1/webhooks/${webhookId}/deliveries${query}`, { key });
  const rows = async (webhookId: string, query = ""): Promise<LoggedAttempt[]> => {
    const res = await log(webhookId, query);
    expect(res.status).toBe(200);
    return res.body.data;
  };
  const attemptsLogged = (webhookId: string, n: number) =>
    eventually(async () => (await app.container.db.deliveryAttempt.count({ where: { webhookId } })) >= n, `${n} attempts of ${webhookId}`);
  const settled = (webhookId: string, n: number) =>
    eventually(
      async () => (await app.container.db.delivery.count({ where: { webhookId, status: { not: "pending" } } })) >= n,
      `${n} settled deliveries of ${webhookId}`,
    );

  /**
   * Attempts written straight into the log with chosen timestamps, for range and paging tests
   * that must not depend on the wall clock.
   */
  const insertAttempts = async (webhookId: string, specs: { at: string; eventType?: string; success?: boolean }[]) => {
    const hook = await app.container.db.webhook.findUniqueOrThrow({ where: { id: webhookId } });
    const ids: string[] = [];
    for (const spec of specs) {
      const at = new Date(spec.at);
      const eventType = spec.eventType ?? "message.created";
      const success = spec.success ?? true;
      const eventId = newId("evt", at.getTime());
      const deliveryId = newId("dlv", at.getTime());
      const id = newId("att", at.getTime());
      await ensurePartitions(app.container.sql, { at: [at.getTime()], widthMs: 86_400_000, ahead: 0 });
      await app.container.db.event.create({ data: { id: eventId, accountId: hook.accountId, type: eventType, data: "{}", createdAt: at } });
      await app.container.db.delivery.create({
        data: { id: deliveryId, accountId: hook.accountId, webhookId, eventId, eventType, status: success ? "succeeded" : "failed", attemptCount: 1 },
      });
      await app.container.db.deliveryAttempt.create({
        data: {
          id,
          deliveryId,
          webhookId,
          accountId: hook.accountId,
          eventId,
          eventType,
          attemptNumber: 1,
          success,
          requestUrl: hook.url,
          requestHeaders: {},
          responseStatus: success ? 200 : 500,
          responseTimeMs: 5,
          responseBody: success ? "ok" : "nope",
          errorMessage: success ? null : "HTTP 500",
          startedAt: at,
        },
      });
      ids.push(id);
    }
    return ids;
  };

  /** Every page from the first, following nextCursor; `between` runs after each page. */
  const walk = async (webhookId: string, query: string, between: (page: number) => Promise<void> = async () => undefined) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `?limit=2${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const res = await log(webhookId, q);
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data.map((a: LoggedAttempt) => a.id));
      cursor = res.body.nextCursor;
      pages++;
      await between(pages);
    } while (cursor);
    return { seen, pages };
  };

  it("has one row per attempt, newest first, each with event type, status, response time and timestamp", async () => {
    const { receiver, webhookId } = await aWebhookHere();
    let posts = 0;
    receiver.respond = (req, res) => (++posts <= 2 ? answerWith(500, "not yet")(req, res) : answerWith(200, "ok")(req, res));
    await emit("message.created");
    await settled(webhookId, 1);

    const data = await rows(webhookId);

    expect(data).toHaveLength(3);
    expect(data.map((a) => a.attemptNumber)).toEqual([3, 2, 1]);
    expect(data.map((a) => a.statusCode)).toEqual([200, 500, 500]);
    expect(data.map((a) => a.success)).toEqual([true, false, false]);
    expect(new Set(data.map((a) => a.deliveryId)).size).toBe(1);
    for (const a of data) {
      expect(a).toMatchObject({ eventType: "message.created", isTest: false });
      expect(Number.isInteger(a.responseTimeMs) && a.responseTimeMs >= 0).toBe(true);
      expect(new Date(a.timestamp).toISOString()).toBe(a.timestamp);
    }
    const times = data.map((a) => Date.parse(a.timestamp));
    expect([...times].sort((x, y) => y - x)).toEqual(times);
    expect(data[0]).toMatchObject({ error: null, responseBody: "ok" });
    expect(data[1]).toMatchObject({ responseBody: "not yet", error: { message: expect.stringContaining("500") } });
  });

  it("says why each failed attempt failed: a timeout, an HTTP status, a refused connection", async () => {
    const slow = await aWebhookHere(["chat.status_changed"]);
    slow.receiver.respond = () => undefined; // never answers
    const failing = await aWebhookHere(["chat.status_changed"]);
    failing.receiver.respond = answerWith(500, "boom");
    const closed = await aWebhookHere(["chat.status_changed"]);
    await closed.receiver.close();

    await emit("chat.status_changed");
    await Promise.all([settled(slow.webhookId, 1), settled(failing.webhookId, 1), settled(closed.webhookId, 1)]);

    const [timedOut] = await rows(slow.webhookId);
    expect(timedOut).toMatchObject({
      success: false,
      statusCode: null,
      responseBody: null,
      error: { class: "timeout", message: expect.stringContaining(`${TIMEOUT_MS} ms`) },
    });
    expect(timedOut!.responseTimeMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);

    const [httpError] = await rows(failing.webhookId);
    expect(httpError).toMatchObject({ success: false, statusCode: 500, responseBody: "boom", error: { message: "HTTP 500" } });

    const [refused] = await rows(closed.webhookId);
    expect(refused).toMatchObject({
      success: false,
      statusCode: null,
      responseBody: null,
      error: { class: "ECONNREFUSED", message: expect.stringContaining("ECONNREFUSED") },
    });
  });

  it("shows the request headers as sent, with the signature masked", async () => {
    const { receiver, webhookId } = await aWebhookHere();
    await emit("message.created", { text: "hello" });
    await attemptsLogged(webhookId, 1);
    const sent = receiver.deliveries[0]!.headers["x-hub-signature-256"] as string;
    expect(sent).toMatch(/^sha256=[0-9a-f]{64}$/);
    const digest = sent.slice("sha256=".length);

    const [attempt] = await rows(webhookId);

    expect(attempt!.requestHeaders).toMatchObject({
      "content-type": "application/json",
      "x-webhook-event": "message.created",
      "x-webhook-id": attempt!.deliveryId,
      "x-webhook-attempt": "1",
    });
    const logged = attempt!.requestHeaders["x-hub-signature-256"];
    expect(logged).toBeDefined();
    expect(logged).not.toBe(sent);
    expect(logged).not.toMatch(/[0-9a-f]{64}/);
    const whole = JSON.stringify(attempt);
    expect(whole).not.toContain(digest);
    expect(whole).not.toContain(digest.slice(16, 48));
    expect(whole).not.toContain(TOKEN);
  });

  it("filters by event type and by outcome, alone and together", async () => {
    const { receiver, webhookId } = await aWebhookHere();
    // Fails each chat.status_changed once, so both types have successes and only one has failures.
    const seen = new Set<string>();
    receiver.respond = (req, res) => {
      const id = req.headers["x-webhook-id"] as string;
      if (req.headers["x-webhook-event"] === "chat.status_changed" && !seen.has(id)) {
        seen.add(id);
        return answerWith(500, "once")(req, res);
      }
      answerWith(200, "ok")(req, res);
    };
    await emit("message.created");
    await emit("chat.status_changed");
    await emit("message.created");
    await settled(webhookId, 3);

    const byType = await rows(webhookId, "?eventType=chat.status_changed");
    expect(byType.map((a) => [a.eventType, a.success])).toEqual([
      ["chat.status_changed", true],
      ["chat.status_changed", false],
    ]);
    const failures = await rows(webhookId, "?outcome=failure");
    expect(failures.map((a) => [a.eventType, a.success])).toEqual([["chat.status_changed", false]]);
    const successes = await rows(webhookId, "?outcome=success");
    expect(successes).toHaveLength(3);
    expect(successes.every((a) => a.success)).toBe(true);
    const both = await rows(webhookId, "?eventType=message.created&outcome=success");
    expect(both).toHaveLength(2);
    expect(both.every((a) => a.eventType === "message.created" && a.success)).toBe(true);
    expect(await rows(webhookId, "?eventType=message.created&outcome=failure")).toEqual([]);
    expect(await rows(webhookId, "?eventType=meta.message")).toEqual([]);
  });

  it("filters by a time range that includes its start and excludes its end", async () => {
    const { webhookId } = await aWebhookHere();
    const t = (minute: number) => `2030-01-01T00:0${minute}:00.000Z`;
    const ids = await insertAttempts(webhookId, [0, 1, 2, 3, 4].map((m) => ({ at: t(m) })));
    const idsAt = (...minutes: number[]) => minutes.map((m) => ids[m]);
    const ofRange = async (query: string) => (await rows(webhookId, query)).map((a) => a.id);

    expect(await ofRange(`?from=${t(1)}&to=${t(3)}`)).toEqual(idsAt(2, 1));
    expect(await ofRange(`?from=${t(1)}`)).toEqual(idsAt(4, 3, 2, 1));
    expect(await ofRange(`?to=${t(1)}`)).toEqual(idsAt(0));
    expect(await ofRange(`?from=${t(2)}&to=${t(2)}`)).toEqual([]);
    // The same instants written with an offset.
    expect(await ofRange(`?from=${encodeURIComponent("2030-01-01T01:01:00+01:00")}&to=${encodeURIComponent("2029-12-31T19:03:00-05:00")}`)).toEqual(
      idsAt(2, 1),
    );
    // One millisecond either side of a row's timestamp.
    expect(await ofRange(`?from=2030-01-01T00:00:59.999Z&to=2030-01-01T00:01:00.001Z`)).toEqual(idsAt(1));
  });

  it("combines a time range with event type and outcome", async () => {
    const { webhookId } = await aWebhookHere();
    const ids = await insertAttempts(webhookId, [
      { at: "2031-05-01T10:00:00Z", eventType: "message.created", success: false },
      { at: "2031-05-01T10:01:00Z", eventType: "chat.status_changed", success: false },
      { at: "2031-05-01T10:02:00Z", eventType: "message.created", success: true },
      { at: "2031-05-01T10:03:00Z", eventType: "message.created", success: false },
      { at: "2031-05-01T10:04:00Z", eventType: "message.created", success: false },
    ]);

    const got = await rows(webhookId, "?from=2031-05-01T10:00:00Z&to=2031-05-01T10:04:00Z&eventType=message.created&outcome=failure");

    expect(got.map((a) => a.id)).toEqual([ids[3], ids[0]]);
  });

  it("walks every page with nextCursor, without duplicates or gaps, also among attempts with the same timestamp", async () => {
    const { webhookId } = await aWebhookHere();
    const same = "2032-02-02T12:00:00.000Z";
    await insertAttempts(webhookId, [
      { at: "2032-02-02T11:00:00.000Z" },
      { at: same },
      { at: same, eventType: "chat.status_changed" },
      { at: same },
      { at: same, success: false },
      { at: "2032-02-02T13:00:00.000Z" },
      { at: "2032-02-02T14:00:00.000Z", eventType: "chat.status_changed" },
    ]);
    const everything = await rows(webhookId, "?limit=100");
    const all = everything.map((a) => a.id);
    expect(all).toHaveLength(7);

    const { seen, pages } = await walk(webhookId, "");
    expect(seen).toEqual(all);
    expect(pages).toBe(4);

    const filtered = await walk(webhookId, "&eventType=message.created");
    expect(filtered.seen).toEqual((await rows(webhookId, "?eventType=message.created")).map((a) => a.id));
    // A type alone is read as two scans merged (successes and failures): same order as the unfiltered log.
    expect(filtered.seen).toEqual(everything.filter((a) => a.eventType === "message.created").map((a) => a.id));
    expect(filtered.seen).toHaveLength(5);
  });

  it("keeps a walk through the pages stable while new attempts arrive", async () => {
    const { webhookId } = await aWebhookHere();
    for (let i = 0; i < 5; i++) await emit("message.created", { i });
    await settled(webhookId, 5);
    const before = (await rows(webhookId, "?limit=100")).map((a) => a.id);
    expect(before).toHaveLength(5);

    const { seen } = await walk(webhookId, "", async (page) => {
      if (page > 2) return;
      await emit("message.created", { page });
      await attemptsLogged(webhookId, 5 + page);
    });

    expect(seen).toEqual(before);
    expect((await rows(webhookId, "?limit=100")).length).toBe(7);
  });

  it("pages 20 rows by default", async () => {
    const { webhookId } = await aWebhookHere();
    await insertAttempts(
      webhookId,
      Array.from({ length: 21 }, (_, i) => ({ at: new Date(Date.UTC(2033, 0, 1, 0, i)).toISOString() })),
    );
    const first = await log(webhookId);
    expect(first.body.data).toHaveLength(20);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const rest = await log(webhookId, `?cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(rest.body.data).toHaveLength(1);
    expect(rest.body.nextCursor).toBeNull();
  });

  it.each([
    ["a from that is not a date", "?from=yesterday"],
    ["a date without a time", "?from=2030-01-01"],
    ["a to that is not a date", "?to=2030-13-45T00:00:00Z"],
    ["from after to", "?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z"],
    // Well-formed, but before year 1, which Postgres cannot store (found by the API fuzzer).
    ["a from in year 0", "?from=0000-01-01T00:00:00Z"],
    ["a to that an offset moves into year 0", `?to=${encodeURIComponent("0001-01-01T00:30:00+01:00")}`],
    ["an unknown outcome", "?outcome=maybe"],
    ["a limit of 0", "?limit=0"],
    ["a limit above 100", "?limit=101"],
    ["an unknown filter", "?status=failed"],
  ])("refuses %s with 400 validation_failed", async (_label, query) => {
    const { webhookId } = await aWebhookHere();
    const res = await log(webhookId, query);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
  });

  it.each([
    ["that is not JSON", Buffer.from("not-a-cursor").toString("base64url")],
    ["that lacks the sort key", Buffer.from(JSON.stringify({ id: "att_x" })).toString("base64url")],
  ])("refuses a cursor %s with 400 invalid_cursor", async (_label, cursor) => {
    const { webhookId } = await aWebhookHere();
    const res = await log(webhookId, `?cursor=${cursor}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_cursor");
  });

  it("refuses a cursor whose timestamp is not a date with 400 invalid_cursor", async () => {
    const { webhookId } = await aWebhookHere();
    const cursor = Buffer.from(JSON.stringify({ t: "not-a-date", id: "att_x" })).toString("base64url");
    const res = await log(webhookId, `?cursor=${cursor}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_cursor");
  });

  it("answers 404 for another account's webhook and for one that does not exist", async () => {
    const { webhookId } = await aWebhookHere();
    await insertAttempts(webhookId, [{ at: "2030-01-01T00:00:00Z" }]);
    const other = await app.newAccount("other");

    const theirs = await app.call("GET", `/v1/webhooks/${webhookId}/deliveries`, { key: other.apiKey });
    expect(theirs.status).toBe(404);
    expect(theirs.body).toEqual({ error: { code: "not_found", message: "webhook not found" } });
    const missing = await log("wh_00000000000000000000000000");
    expect(missing.status).toBe(404);
  });

  it("shows only the attempts of the webhook asked about", async () => {
    const a = await aWebhookHere(["meta.message"]);
    const b = await aWebhookHere(["meta.message"]);
    await emit("meta.message");
    await Promise.all([settled(a.webhookId, 1), settled(b.webhookId, 1)]);

    const ofA = await rows(a.webhookId);
    const ofB = await rows(b.webhookId);
    expect(ofA).toHaveLength(1);
    expect(ofB).toHaveLength(1);
    expect(ofA[0]!.deliveryId).not.toBe(ofB[0]!.deliveryId);
  });
});
