import { startTestApp, type TestApp } from "../support/app";
import { echoChallenge, startReceiver, type Receiver } from "../support/receivers";

const TOKEN = "management-token-0001";

describe("managing registered webhooks", () => {
  let app: TestApp;
  let key: string;
  let receiver: Receiver;

  beforeAll(async () => {
    app = await startTestApp();
    key = (await app.newAccount()).apiKey;
    receiver = await startReceiver(echoChallenge(TOKEN));
  });
  afterAll(async () => {
    await receiver.close();
    await app.close();
  });

  const create = async (overrides: Record<string, unknown> = {}) => {
    const res = await app.call("POST", "/v1/webhooks", {
      key,
      body: { url: receiver.url, verifyToken: TOKEN, eventTypes: ["message.created"], ...overrides },
    });
    expect(res.status).toBe(201);
    return res.body;
  };

  it("lists webhooks newest first, a page at a time, following nextCursor to the end", async () => {
    const other = await app.newAccount("someone else");
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await create({ description: `#${i}` })).id);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : "?limit=2";
      const res = await app.call("GET", `/v1/webhooks${q}`, { key });
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data.map((w: { id: string }) => w.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);

    expect(seen.slice(0, 5)).toEqual([...made].reverse());
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBe(Math.ceil(seen.length / 2));

    const theirs = await app.call("GET", "/v1/webhooks", { key: other.apiKey });
    expect(theirs.body).toEqual({ data: [], nextCursor: null });
  });

  it("changes event types and description without a handshake", async () => {
    const wh = await create();
    const before = receiver.requests.length;
    const res = await app.call("PATCH", `/v1/webhooks/${wh.id}`, {
      key,
      body: { eventTypes: ["chat.status_changed", "meta.message", "meta.message"], description: "renamed" },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ eventTypes: ["chat.status_changed", "meta.message"], description: "renamed" });
    expect(receiver.requests.length).toBe(before);

    const cleared = await app.call("PATCH", `/v1/webhooks/${wh.id}`, { key, body: { description: null } });
    expect(cleared.body.description).toBeNull();
  });

  it("re-runs the handshake when the URL changes, and changes nothing if it fails", async () => {
    const wh = await create();
    const liar = await startReceiver((_req, res) => res.end("not the challenge"));
    try {
      const refused = await app.call("PATCH", `/v1/webhooks/${wh.id}`, { key, body: { url: liar.url, description: "x" } });
      expect(refused.status).toBe(422);
      expect(refused.body.error.details.reason).toBe("challenge_mismatch");
      expect(liar.requests).toHaveLength(1);
      const unchanged = await app.call("GET", `/v1/webhooks/${wh.id}`, { key });
      expect(unchanged.body).toEqual(wh);
    } finally {
      await liar.close();
    }

    const good = await startReceiver(echoChallenge(TOKEN), "/v2");
    try {
      const moved = await app.call("PATCH", `/v1/webhooks/${wh.id}`, { key, body: { url: good.url } });
      expect(moved.status).toBe(200);
      expect(moved.body.url).toBe(good.url);
      expect(Date.parse(moved.body.verifiedAt)).toBeGreaterThanOrEqual(Date.parse(wh.verifiedAt));
      expect(good.requests[0]!.url.searchParams.get("hub.verify_token")).toBe(TOKEN);
    } finally {
      await good.close();
    }
  });

  it("re-runs the handshake with the new token when the verify token changes", async () => {
    const wh = await create();
    const newToken = "rotated-token-000000002";
    const refused = await app.call("PATCH", `/v1/webhooks/${wh.id}`, { key, body: { verifyToken: newToken } });
    expect(refused.status).toBe(422);
    expect(refused.body.error.details).toMatchObject({ reason: "http_status", status: 403 });

    const r = await startReceiver(echoChallenge(newToken));
    try {
      const both = await app.call("PATCH", `/v1/webhooks/${wh.id}`, { key, body: { url: r.url, verifyToken: newToken } });
      expect(both.status).toBe(200);
      expect(both.body.verifyTokenHint).toBe("…0002");
    } finally {
      await r.close();
    }
  });

  it("verifies on demand and moves verifiedAt", async () => {
    const wh = await create();
    const res = await app.call("POST", `/v1/webhooks/${wh.id}/verify`, { key });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ verified: true, webhook: { id: wh.id } });
    expect(Date.parse(res.body.webhook.verifiedAt)).toBeGreaterThanOrEqual(Date.parse(wh.verifiedAt));
  });

  it("reports a failed on-demand verification as 422 and leaves verifiedAt alone", async () => {
    const flaky = await startReceiver(echoChallenge(TOKEN));
    const res = await app.call("POST", "/v1/webhooks", {
      key,
      body: { url: flaky.url, verifyToken: TOKEN, eventTypes: ["message.created"] },
    });
    await flaky.close();
    const again = await app.call("POST", `/v1/webhooks/${res.body.id}/verify`, { key });
    expect(again.status).toBe(422);
    expect(again.body.error.details.reason).toBe("unreachable");
    expect((await app.call("GET", `/v1/webhooks/${res.body.id}`, { key })).body.verifiedAt).toBe(res.body.verifiedAt);
  });

  it("deletes a webhook: still readable by id as deleted, out of the list, gone for writes", async () => {
    const wh = await create();
    expect((await app.call("DELETE", `/v1/webhooks/${wh.id}`, { key })).status).toBe(204);
    const got = await app.call("GET", `/v1/webhooks/${wh.id}`, { key });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: wh.id, status: "deleted", deletedAt: expect.any(String) });
    expect((await app.call("GET", "/v1/webhooks?limit=100", { key })).body.data.map((w: { id: string }) => w.id)).not.toContain(wh.id);
    expect((await app.call("DELETE", `/v1/webhooks/${wh.id}`, { key })).status).toBe(404);
    expect((await app.call("PATCH", `/v1/webhooks/${wh.id}`, { key, body: { description: "x" } })).status).toBe(404);
  });

  it("shows health as warning once consecutive failures reach the threshold", async () => {
    const wh = await create();
    await app.container.db.webhook.update({ where: { id: wh.id }, data: { consecutiveFailures: 5 } });
    const res = await app.call("GET", `/v1/webhooks/${wh.id}`, { key });
    expect(res.body).toMatchObject({ consecutiveFailures: 5, health: "warning" });
  });
});
