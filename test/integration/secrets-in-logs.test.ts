import { eventually, startTestApp, type TestApp } from "../support/app";
import { aWebhook } from "../support/factories";
import { captureLogs, type CapturedLogs } from "../support/log-capture";
import { closedPort } from "../support/receivers";

/**
 * Everything the API and the worker log, at the most verbose level, through the app's own
 * logger: while accounts, keys and webhooks are made, verified, rotated, tested and delivered
 * to (failing, then succeeding), and while requests with bad keys and failing handshakes come
 * in, no key, token, secret or signature is ever written.
 */
describe("secrets never reach the logs", () => {
  let app: TestApp;
  let logs: CapturedLogs;
  const secrets: Record<string, string> = {};

  beforeAll(async () => {
    logs = captureLogs("trace");
    app = await startTestApp({ HOOKRELAY_RETRY_SCHEDULE: "0,0", HOOKRELAY_RETRY_JITTER: "0" }, { logger: logs.logger, worker: true });
    secrets.adminKey = app.adminKey;
    const { apiKey, accountId } = await app.newAccount();
    secrets.apiKey = apiKey;
    const extra = await app.call("POST", `/v1/accounts/${accountId}/api-keys`, { key: app.adminKey, body: { name: "second" } });
    secrets.secondKey = extra.body.apiKey;

    const meta = await aWebhook(app, apiKey, { token: "logged-never-token-000001" });
    secrets.metaToken = meta.secret;
    const standard = await aWebhook(app, apiKey, { dialect: "standard-webhooks", token: null, eventTypes: ["chat.status_changed"] });
    secrets.standardSecret = standard.secret;

    expect((await app.call("POST", `/v1/webhooks/${meta.id}/verify`, { key: apiKey })).status).toBe(200);
    const rotated = await app.call("POST", `/v1/webhooks/${standard.id}/rotate-secret`, { key: apiKey, body: { graceSeconds: 60 } });
    secrets.rotatedSecret = rotated.body.secret;
    expect((await app.call("POST", `/v1/webhooks/${meta.id}/test`, { key: apiKey })).body).toMatchObject({ success: true });

    // A delivery that fails once, then succeeds; its signatures are secrets of a kind too.
    let answered = 0;
    meta.receiver.respond = (_req, res) => void res.writeHead(answered++ === 0 ? 500 : 200).end("body");
    await app.call("POST", "/v1/events", { key: apiKey, body: { type: "message.created", data: { n: 1 } } });
    await app.call("POST", "/v1/events", { key: apiKey, body: { type: "chat.status_changed", data: { n: 2 } } });
    await eventually(async () => meta.receiver.deliveries.length >= 3 && standard.receiver.deliveries.length >= 1, "the deliveries");
    await eventually(async () => (await app.container.db.delivery.count({ where: { status: "pending" } })) === 0, "the deliveries to settle");
    secrets.hubSignature = String(meta.receiver.deliveries.at(-1)!.headers["x-hub-signature-256"]);
    secrets.standardSignature = String(standard.receiver.deliveries[0]!.headers["webhook-signature"]).split(" ")[0]!;

    // Requests that go wrong: a mistyped key, a handshake refused, an endpoint unreachable.
    await app.call("GET", "/v1/webhooks", { key: apiKey.slice(0, -1) + "x" });
    meta.receiver.respond = (_req, res) => void res.writeHead(403).end("no");
    const refused = await app.call("PATCH", `/v1/webhooks/${meta.id}`, { key: apiKey, body: { verifyToken: "logged-never-token-000002" } });
    expect(refused.status).toBe(422);
    secrets.refusedToken = "logged-never-token-000002";
    const unreachable = await app.call("POST", "/v1/webhooks", {
      key: apiKey,
      body: { url: `http://127.0.0.1:${await closedPort()}/h`, verifyToken: "logged-never-token-000003", eventTypes: ["message.created"] },
    });
    expect(unreachable.status).toBe(422);
    secrets.unreachableToken = "logged-never-token-000003";
  });
  afterAll(() => app.close());

  it("logged what happened, so there was something to leak", () => {
    const requests = logs.lines.filter((l) => l.includes('"url":"/v1/'));
    expect(requests.length).toBeGreaterThanOrEqual(10);
    expect(logs.lines.some((l) => l.includes('"statusCode":401'))).toBe(true);
  });

  it.each(["adminKey", "apiKey", "secondKey", "metaToken", "standardSecret", "rotatedSecret", "hubSignature", "standardSignature", "refusedToken", "unreachableToken"])(
    "never writes the %s",
    (what) => {
      const secret = secrets[what]!;
      expect(secret.length).toBeGreaterThanOrEqual(16);
      expect(logs.lines.filter((l) => l.includes(secret))).toEqual([]);
      // Nor the part after a key's public prefix.
      if (what.endsWith("Key") && secret.startsWith("hr_")) expect(logs.lines.filter((l) => l.includes(secret.slice(16)))).toEqual([]);
    },
  );
});
