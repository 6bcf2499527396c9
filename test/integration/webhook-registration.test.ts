import { startTestApp, type TestApp } from "../support/app";
import { closedPort, echoChallenge, startReceiver, type Receiver } from "../support/receivers";

const TOKEN = "s3cret-verify-token-42";

describe("registering a webhook runs the hub.challenge handshake first", () => {
  let app: TestApp;
  let key: string;
  const receivers: Receiver[] = [];
  const receiver = async (...args: Parameters<typeof startReceiver>) => {
    const r = await startReceiver(...args);
    receivers.push(r);
    return r;
  };

  beforeAll(async () => {
    app = await startTestApp();
    key = (await app.newAccount()).apiKey;
  });
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await app.close();
  });

  const register = (url: string, overrides: Record<string, unknown> = {}) =>
    app.call("POST", "/v1/webhooks", {
      key,
      body: { url, verifyToken: TOKEN, eventTypes: ["message.created", "chat.status_changed"], ...overrides },
    });

  it("stores an endpoint that echoes the challenge, active and verified", async () => {
    const r = await receiver(echoChallenge(TOKEN));
    const res = await register(r.url, { description: "orders service" });

    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      url: r.url,
      status: "active",
      health: "healthy",
      eventTypes: ["message.created", "chat.status_changed"],
      description: "orders service",
      consecutiveFailures: 0,
      verifyTokenHint: "…n-42",
    });
    expect(res.body.id).toMatch(/^wh_/);
    expect(Date.parse(res.body.verifiedAt)).not.toBeNaN();
    expect(JSON.stringify(res.body)).not.toContain(TOKEN);

    const [hs] = r.requests;
    expect(hs!.method).toBe("GET");
    expect(hs!.url.searchParams.get("hub.mode")).toBe("subscribe");
    expect(hs!.url.searchParams.get("hub.verify_token")).toBe(TOKEN);
    expect(hs!.url.searchParams.get("hub.challenge")).toMatch(/^[1-9]\d{14}$/);
    expect(hs!.headers["user-agent"]).toMatch(/^hookrelay\//);

    const got = await app.call("GET", `/v1/webhooks/${res.body.id}`, { key });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
  });

  it("stores the verify token encrypted, never in clear", async () => {
    const r = await receiver(echoChallenge(TOKEN));
    const res = await register(r.url);
    const row = await app.container.db.webhook.findUniqueOrThrow({ where: { id: res.body.id } });
    expect(row.verifyTokenCipher).not.toContain(TOKEN);
    expect(row.verifyTokenCipher).toMatch(/^v1\.k1\./);
  });

  it("tolerates whitespace around the echoed challenge", async () => {
    const r = await receiver((req, res) => res.end(`  ${req.url.searchParams.get("hub.challenge")}\n`));
    expect((await register(r.url)).status).toBe(201);
  });

  it("keeps the URL's own query parameters in the handshake", async () => {
    const r = await receiver((req, res) => res.end(req.url.searchParams.get("hub.challenge") ?? ""));
    const res = await register(`${r.url}?tenant=42`);
    expect(res.status).toBe(201);
    expect(r.requests[0]!.url.searchParams.get("tenant")).toBe("42");
  });

  async function expectRefused(url: string, reason: string, message: RegExp) {
    const before = await app.container.db.webhook.count();
    const res = await register(url);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("handshake_failed");
    expect(res.body.error.details.reason).toBe(reason);
    expect(res.body.error.message).toMatch(message);
    expect(await app.container.db.webhook.count()).toBe(before);
    return res;
  }

  it("refuses an endpoint that rejects the token with 403, saying what it answered", async () => {
    const r = await receiver(echoChallenge("some-other-token-000"));
    const res = await expectRefused(r.url, "http_status", /answered 403 with body "Forbidden: verify token mismatch"/);
    expect(res.body.error.details.status).toBe(403);
  });

  it("refuses an endpoint that echoes the wrong value", async () => {
    const r = await receiver((_req, res) => res.end("hello"));
    await expectRefused(r.url, "challenge_mismatch", /answered 200 with body "hello", not the hub.challenge value/);
  });

  it("refuses an endpoint that redirects, without following it", async () => {
    const target = await receiver(echoChallenge(TOKEN));
    const r = await receiver((_req, res) => res.writeHead(302, { location: target.url }).end());
    await expectRefused(r.url, "redirect", /answered 302 redirecting to .*redirects are not followed/);
    expect(target.requests).toHaveLength(0);
  });

  it("refuses an endpoint that is not listening", async () => {
    const port = await closedPort();
    await expectRefused(`http://127.0.0.1:${port}/hook`, "unreachable", /ECONNREFUSED/);
  });

  it("gives up on an endpoint that never answers after about 5 seconds, not 30", async () => {
    const r = await receiver(() => undefined);
    const started = Date.now();
    const res = await expectRefused(r.url, "timeout", /did not answer within 5000 ms/);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(4_900);
    expect(elapsed).toBeLessThan(7_000);
    expect(res.body.error.details.elapsedMs).toBeGreaterThanOrEqual(4_900);
  });

  it("refuses unknown event types before contacting the endpoint", async () => {
    const r = await receiver(echoChallenge(TOKEN));
    const res = await register(r.url, { eventTypes: ["message.created", "nope.nothing"] });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: "unknown_event_types", details: { unknown: ["nope.nothing"] } });
    expect(r.requests).toHaveLength(0);
  });

  it("refuses plain http unless the deployment allows it", async () => {
    const strict = await startTestApp({ HOOKRELAY_ALLOW_HTTP_URLS: "false" });
    try {
      const k = (await strict.newAccount()).apiKey;
      const res = await strict.call("POST", "/v1/webhooks", {
        key: k,
        body: { url: "http://example.com/hook", verifyToken: TOKEN, eventTypes: ["message.created"] },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.details.issues).toEqual([expect.objectContaining({ field: "body.url", message: expect.stringMatching(/https/) })]);
    } finally {
      await strict.close();
    }
  });
});
