import { ensureClientBuilt } from "../../harness/client-build";
import { verify } from "../../packages/client/src/receiver";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { closedPort, expectedHubSignature, startReceiver, type Receiver } from "../support/receivers";
import { CLIENT_BIN, cliEnv, startStreaming, type StreamingCli } from "./cli-harness";

const ONCE = { HOOKRELAY_RETRY_SCHEDULE: "0", HOOKRELAY_RETRY_JITTER: "0" };

describe("hookrelay listen --forward-to", () => {
  let app: TestApp;
  let apiKey: string;
  /** The developer's local app: records what it gets, answers 201 with a body of its own. */
  let localApp: Receiver;
  const running: StreamingCli[] = [];

  const listen = (args: string[]) => {
    const cli = startStreaming(CLIENT_BIN, ["listen", ...args], cliEnv({ baseUrl: app.baseUrl, apiKey }));
    running.push(cli);
    return cli;
  };

  beforeAll(async () => {
    await ensureClientBuilt();
    app = await startTestApp(ONCE, { worker: true });
    localApp = await startReceiver((_req, res) => res.writeHead(201, { "content-type": "application/json" }).end('{"handled":true}'), "/hooks");
    app.onClose(() => localApp.close());
  }, 120_000);
  beforeEach(async () => {
    apiKey = (await app.newAccount("Listen")).apiKey;
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop("SIGKILL")));
  });
  afterAll(async () => {
    await app?.close();
  });

  it("registers a verified webhook, forwards a test event with hookrelay's headers and exact body, and deletes it on Ctrl-C", async () => {
    const cli = listen(["--forward-to", localApp.url, "--event-types", "message.created,chat.status_changed", "--json"]);
    const ready = JSON.parse((await cli.waitForLine((l) => l.includes('"type":"ready"'), "the ready line")).text);
    expect(ready).toMatchObject({ webhookId: expect.stringMatching(/^wh_/), url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/), forwardTo: localApp.url, dialect: "meta" });
    expect(cli.lines.map((l) => JSON.parse(l.text).type)).toEqual(["handshake", "ready"]);

    const webhook = await app.call("GET", `/v1/webhooks/${ready.webhookId}`, { key: apiKey });
    expect(webhook.body).toMatchObject({ url: ready.url, status: "active", eventTypes: ["message.created", "chat.status_changed"], verifiedAt: expect.any(String) });

    const before = localApp.requests.length;
    const test = await app.call("POST", `/v1/webhooks/${ready.webhookId}/test`, { key: apiKey, body: { eventType: "chat.status_changed" } });
    // The app's answer is hookrelay's answer: status and body.
    expect(test.body).toMatchObject({ success: true, statusCode: 201, responseBody: '{"handled":true}' });
    const [got] = localApp.requests.slice(before);
    expect(got).toBeDefined();
    expect(got!.method).toBe("POST");
    expect(got!.url.pathname).toBe("/hooks");
    expect(got!.headers).toMatchObject({
      "content-type": "application/json",
      "user-agent": expect.stringMatching(/^hookrelay\/\d/),
      "x-webhook-event": "chat.status_changed",
      "x-webhook-id": test.body.deliveryId,
      "x-webhook-attempt": "1",
      "x-hub-signature-256": expectedHubSignature(got!.body, ready.secret),
    });
    const delivery = await app.call("GET", `/v1/deliveries/${test.body.deliveryId}`, { key: apiKey });
    const attempt = await app.call("GET", `/v1/attempts/${delivery.body.attempts[0].id}`, { key: apiKey });
    expect(got!.body.toString("utf8")).toBe(attempt.body.requestBody);

    const printed = await cli.waitForLine((l) => l.includes('"type":"forwarded"'), "the forwarded line");
    expect(cli.lines.map((l) => JSON.parse(l.text))).toContainEqual(
      expect.objectContaining({ type: "delivery", eventType: "chat.status_changed", deliveryId: test.body.deliveryId, attempt: 1 }),
    );
    expect(JSON.parse(printed.text)).toMatchObject({ type: "forwarded", deliveryId: test.body.deliveryId, status: 201 });

    expect(await cli.stop("SIGINT")).toEqual({ code: 0, signal: null });
    expect(JSON.parse(cli.lines.at(-1)!.text)).toMatchObject({ type: "deleted", webhookId: ready.webhookId });
    expect((await app.call("GET", `/v1/webhooks/${ready.webhookId}`, { key: apiKey })).body).toMatchObject({ id: ready.webhookId, status: "deleted" });
  });

  it("--verify-token: the app under development keeps verifying with its own token, through the receiver helper", async () => {
    const token = "the-apps-own-verify-token-0123456789";
    const { createServer } = await import("node:http");
    const { webhookHandler } = await import("../../packages/client/src/receiver");
    const verified: string[] = [];
    const ownApp = createServer(webhookHandler({ dialect: "meta", secret: token }, (webhook, _req, res) => void (verified.push(webhook.type ?? ""), res.writeHead(204).end())));
    await new Promise<void>((r) => ownApp.listen(0, "127.0.0.1", () => r()));
    app.onClose(() => new Promise<void>((r) => ownApp.close(() => r())));
    const ownUrl = `http://127.0.0.1:${(ownApp.address() as { port: number }).port}/hooks`;

    const cli = listen(["--forward-to", ownUrl, "--event-types", "message.created", "--verify-token", token, "--json"]);
    const ready = JSON.parse((await cli.waitForLine((l) => l.includes('"type":"ready"'), "the ready line")).text);
    expect(ready.secret).toBe(token);
    const test = await app.call("POST", `/v1/webhooks/${ready.webhookId}/test`, { key: apiKey, body: {} });
    expect(test.body).toMatchObject({ success: true, statusCode: 204 });
    expect(verified).toEqual(["message.created"]);
    expect(await cli.stop("SIGINT")).toEqual({ code: 0, signal: null });
  });

  it("subscribes to every event type by default, prints each emitted delivery and the app's status, answers 502 while the app is down, and cleans up on SIGTERM", async () => {
    const port = await closedPort();
    // No --event-types: every type the account can subscribe to.
    const cli = listen(["--forward-to", `http://127.0.0.1:${port}/hooks`]);
    const ready = await cli.waitForLine((l) => / ready: wh_/.test(l), "the ready line");
    const webhookId = /ready: (wh_\w+)/.exec(ready.text)![1]!;
    const types = (await app.call("GET", "/v1/event-types", { key: apiKey })).body.data.map((t: { name: string }) => t.name);
    expect((await app.call("GET", `/v1/webhooks/${webhookId}`, { key: apiKey })).body.eventTypes).toEqual(types);
    await cli.waitForLine((l) => /^ {2}signing secret for your app: [0-9a-f]{48}$/.test(l), "the secret");

    const event = await app.call("POST", "/v1/events", { key: apiKey, body: { type: "message.created", data: { text: "hi" } } });
    const incoming = await cli.waitForLine((l) => l.includes("--> message.created"), "the delivery line");
    expect(incoming.text).toMatch(/^\d\d:\d\d:\d\d\.\d{3} {2}--> message\.created {2}dlv_\w+$/);
    const deliveryId = /(dlv_\w+)/.exec(incoming.text)![1]!;
    const answered = await cli.waitForLine((l) => l.includes("<--"), "the app's status line");
    expect(answered.text).toMatch(new RegExp(`<-- 502 app unreachable: ECONNREFUSED \\(\\d+ ms\\)  ${deliveryId}$`));
    // hookrelay saw the failure, as it would have from the app itself.
    const attempt = await eventually(async () => {
      const log = await app.call("GET", `/v1/webhooks/${webhookId}/deliveries`, { key: apiKey });
      return log.body.data.find((a: { eventId: string }) => a.eventId === event.body.id);
    }, "the attempt in the log");
    expect(attempt).toMatchObject({ success: false, statusCode: 502, deliveryId });

    expect(await cli.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    expect(cli.lines.at(-1)!.text).toMatch(new RegExp(`deleted webhook ${webhookId}$`));
    expect((await app.call("GET", `/v1/webhooks/${webhookId}`, { key: apiKey })).body).toMatchObject({ id: webhookId, status: "deleted" });
  });

  it.each(["wappcloud", "slack", "standard-webhooks", "telegram"] as const)(
    "answers the %s handshake and prints the secret the forwarded deliveries verify with",
    async (dialect) => {
      const cli = listen(["--forward-to", localApp.url, "--event-types", "message.created", "--dialect", dialect, "--json"]);
      const ready = JSON.parse((await cli.waitForLine((l) => l.includes('"type":"ready"'), "the ready line")).text);
      expect(ready).toMatchObject({ dialect, secret: expect.any(String) });
      const before = localApp.requests.length;
      const test = await app.call("POST", `/v1/webhooks/${ready.webhookId}/test`, { key: apiKey, body: {} });
      expect(test.body).toMatchObject({ success: true, statusCode: 201 });
      const got = localApp.requests[before]!;
      expect(verify({ headers: got.headers, rawBody: got.body }, { dialect, secret: ready.secret })).toMatchObject({ ok: true });
      expect(await cli.stop("SIGINT")).toEqual({ code: 0, signal: null });
      expect((await app.call("GET", `/v1/webhooks/${ready.webhookId}`, { key: apiKey })).body).toMatchObject({ id: ready.webhookId, status: "deleted" });
    },
  );

  it("exits 1 and leaves no webhook behind when hookrelay cannot verify the URL", async () => {
    const port = await closedPort();
    // Nothing listens at the public URL given, so the handshake fails.
    const cli = listen(["--forward-to", localApp.url, "--public-url", `http://127.0.0.1:${port}/`, "--event-types", "message.created"]);
    expect(await cli.exited).toEqual({ code: 1, signal: null });
    expect(cli.stderr()).toMatch(/^error: \w+ \(HTTP 422\)/);
    expect((await app.call("GET", "/v1/webhooks", { key: apiKey })).body.data).toEqual([]);
  });
});
