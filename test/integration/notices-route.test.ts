import type { OperationalEventType } from "../../src/operational/payloads";
import { startTestApp, type TestApp } from "../support/app";
import { aWebhook } from "../support/factories";
import { insertNotice, noticePayload, type NoticeTarget, type SeededNotice } from "../support/notices";

const TYPES: OperationalEventType[] = ["webhook.failing", "delivery.exhausted", "webhook.disabled", "webhook.recovered"];
const T0 = Date.parse("2026-12-01T12:00:00.000Z");

/** What the route answers for a seeded notice. */
const asListed = (n: SeededNotice) => ({ id: n.id, type: n.type, createdAt: n.createdAt, data: n.data });

describe("GET /v1/webhooks/:id/notices", () => {
  let app: TestApp;
  let a: { accountId: string; apiKey: string };
  let b: { accountId: string; apiKey: string };
  let first: NoticeTarget;
  let second: NoticeTarget;
  let ofB: NoticeTarget;
  /** The first webhook's notices, newest first. */
  let seeded: SeededNotice[];

  const target = async (account: { accountId: string; apiKey: string }): Promise<NoticeTarget> => {
    const { id, receiver } = await aWebhook(app, account.apiKey);
    return { accountId: account.accountId, webhookId: id, url: receiver.url };
  };
  const notices = (webhookId: string, query = "", key = a.apiKey) => app.call("GET", `/v1/webhooks/${webhookId}/notices${query}`, { key });

  /** A signed-in portal session of the key's account: a link, exchanged. */
  const portalSession = async (key: string, access: "manage" | "read"): Promise<string> => {
    const link = await app.call("POST", "/v1/portal/sessions", { key, body: { access } });
    expect(link.status).toBe(201);
    const exchanged = await app.call("POST", "/v1/portal/session/exchange", { body: { token: new URL(link.body.url).hash.replace("#token=", "") } });
    expect(exchanged.status).toBe(200);
    return exchanged.body.sessionToken;
  };

  beforeAll(async () => {
    app = await startTestApp();
    a = await app.newAccount("A");
    b = await app.newAccount("B");
    [first, second] = [await target(a), await target(a)];
    ofB = await target(b);
    const sql = app.container.sql;
    const made: SeededNotice[] = [];
    // 12 on the first webhook, a minute apart, each type in turn; inserted out of order so
    // that the order answered is the route's, not the table's.
    for (const i of [3, 0, 7, 11, 1, 9, 4, 10, 2, 6, 8, 5]) made.push(await insertNotice(sql, first, TYPES[i % 4]!, new Date(T0 + i * 60_000)));
    // Two more at one instant, third and fourth newest: ties are ordered by id, and pages of
    // three put a boundary between them.
    for (let k = 0; k < 2; k++) made.push(await insertNotice(sql, first, "delivery.exhausted", new Date(T0 + 9.5 * 60_000)));
    seeded = made.sort((x, y) => y.createdAt.localeCompare(x.createdAt) || y.id.localeCompare(x.id));
    // Notices about other webhooks, of A's and of B's, newer than all of those.
    await insertNotice(sql, second, "webhook.disabled", new Date(T0 + 60 * 60_000));
    await insertNotice(sql, ofB, "webhook.failing", new Date(T0 + 61 * 60_000));
  });
  afterAll(() => app.close());

  it("answers the webhook's own notices newest first, ten by default, each with its payload as emitted", async () => {
    const res = await notices(first.webhookId);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual(seeded.slice(0, 10).map(asListed));
    expect(res.body.nextCursor).toEqual(expect.any(String));
    // The payload is the stored text, parsed: the newest is a webhook.recovered.
    expect(res.body.data[0]).toMatchObject({ type: "webhook.recovered", data: noticePayload("webhook.recovered", first) });
  });

  it("answers a webhook without notices with an empty page", async () => {
    const quiet = await target(a);
    expect((await notices(quiet.webhookId)).body).toEqual({ data: [], nextCursor: null });
  });

  it("pages with limit and cursor through every notice exactly once, across ties on one instant", async () => {
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const res = await notices(first.webhookId, `?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      pages.push(res.body.data.map((n: { id: string }) => n.id));
      cursor = res.body.nextCursor;
    } while (cursor && pages.length < 10);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 3, 3, 2]);
    expect(pages.flat()).toEqual(seeded.map((n) => n.id));
    expect(seeded[2]!.createdAt).toBe(seeded[3]!.createdAt);
  });

  it("keeps a cursor's place when newer notices arrive", async () => {
    const firstPage = (await notices(first.webhookId, "?limit=4")).body;
    const extra = await insertNotice(app.container.sql, second, "webhook.recovered", new Date(T0 + 90 * 60_000));
    const newer = await insertNotice(app.container.sql, first, "webhook.recovered", new Date(T0 + 90 * 60_000));
    try {
      const next = (await notices(first.webhookId, `?limit=4&cursor=${firstPage.nextCursor}`)).body;
      expect(next.data.map((n: { id: string }) => n.id)).toEqual(seeded.slice(4, 8).map((n) => n.id));
      expect((await notices(first.webhookId, "?limit=1")).body.data.map((n: { id: string }) => n.id)).toEqual([newer.id]);
    } finally {
      // No foreign key between the two (events are partitioned by time): both rows go.
      await app.container.sql.query("DELETE FROM operational_events WHERE event_id = ANY($1)", [[extra.id, newer.id]]);
      await app.container.sql.query("DELETE FROM events WHERE id = ANY($1)", [[extra.id, newer.id]]);
    }
  });

  it("takes limit up to 50", async () => {
    const res = await notices(first.webhookId, "?limit=50");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: seeded.map(asListed), nextCursor: null });
  });

  it.each([
    ["limit=0", "query.limit"],
    ["limit=51", "query.limit"],
    ["limit=ten", "query.limit"],
    ["limit=2.5", "query.limit"],
    ["sort=asc", "query.sort"],
  ])("refuses ?%s with 400 naming the field", async (query, field) => {
    const res = await notices(first.webhookId, `?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.details.issues.map((i: { field: string }) => i.field)).toContain(field);
  });

  it("refuses a cursor it did not issue with 400", async () => {
    for (const cursor of ["nope", Buffer.from(JSON.stringify({ t: "yesterday", id: "x" })).toString("base64url")]) {
      const res = await notices(first.webhookId, `?cursor=${cursor}`);
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 400, code: "invalid_cursor" });
    }
  });

  it("answers another account's webhook 404, exactly as an id that does not exist", async () => {
    const unknown = await notices("wh_00000000000000000000000000");
    expect(unknown.status).toBe(404);
    const asB = await notices(first.webhookId, "", b.apiKey);
    expect({ status: asB.status, body: asB.body }).toEqual({ status: 404, body: unknown.body });
    expect(asB.body.error.code).toBe("not_found");
    // And B's own notice is B's alone.
    expect((await notices(ofB.webhookId, "", a.apiKey)).status).toBe(404);
    expect((await notices(ofB.webhookId, "", b.apiKey)).body.data).toHaveLength(1);
    const malformed = await notices("not-a-webhook-id");
    expect({ status: malformed.status, body: malformed.body }).toEqual({ status: 404, body: unknown.body });
  });

  it("lets a read-only portal session read its account's notices, and no other account's", async () => {
    const readOnly = await portalSession(a.apiKey, "read");
    const res = await notices(first.webhookId, "?limit=2", readOnly);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual(seeded.slice(0, 2).map(asListed));
    const ofOther = await notices(first.webhookId, "", await portalSession(b.apiKey, "read"));
    expect(ofOther.status).toBe(404);
  });

  it("needs a key: none is 401, the admin key 403 (it is one account's data), as on the other webhook routes", async () => {
    const none = await app.call("GET", `/v1/webhooks/${first.webhookId}/notices`);
    expect(none.status).toBe(401);
    const admin = await notices(first.webhookId, "", app.adminKey);
    const sibling = await app.call("GET", `/v1/webhooks/${first.webhookId}`, { key: app.adminKey });
    expect({ status: admin.status, code: admin.body.error.code }).toEqual({ status: sibling.status, code: sibling.body.error.code });
    expect(admin.status).toBe(403);
  });

  it("is documented with every status it answers, open to read-only portal sessions", async () => {
    const op = (await app.call("GET", "/openapi.json")).body.paths["/v1/webhooks/{id}/notices"].get;
    expect(op["x-portal-access"]).toBe("read");
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["200", "400", "401", "403", "404", "429"]));
    expect(op.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ in: "path", name: "id", required: true }),
        expect.objectContaining({ in: "query", name: "limit", schema: expect.objectContaining({ minimum: 1, maximum: 50, default: 10 }) }),
        expect.objectContaining({ in: "query", name: "cursor" }),
      ]),
    );
  });
});
