import { ensureClientBuilt } from "../../harness/client-build";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { startWebhookReceiver, type WebhookReceiver } from "../support/receivers";
import { CLIENT_BIN, cliEnv, startStreaming, type StreamingCli } from "./cli-harness";

const TOKEN = "cli-tail-verify-token-01";
// No retries: a failing attempt is one line, not a chain of them.
const ONCE = { HOOKRELAY_RETRY_SCHEDULE: "0", HOOKRELAY_RETRY_JITTER: "0" };

interface TailedAttempt {
  webhookId: string;
  id: string;
  deliveryId: string;
  eventId: string;
  eventType: string;
  success: boolean;
  statusCode: number | null;
  timestamp: string;
}

describe("hookrelay deliveries tail", () => {
  let app: TestApp;
  let apiKey: string;
  let receiver: WebhookReceiver;
  const running: StreamingCli[] = [];

  const webhook = async (eventTypes: string[]) => {
    const res = await app.call("POST", "/v1/webhooks", { key: apiKey, body: { url: receiver.url, eventTypes, verifyToken: TOKEN } });
    if (res.status !== 201) throw new Error(`webhook creation failed: ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  };
  const emit = async (type: string, data: Record<string, unknown>) => (await app.call("POST", "/v1/events", { key: apiKey, body: { type, data } })).body.id as string;
  const tail = (args: string[]) => {
    const cli = startStreaming(CLIENT_BIN, ["deliveries", "tail", ...args], cliEnv({ baseUrl: app.baseUrl, apiKey }));
    running.push(cli);
    return cli;
  };
  const ready = (cli: StreamingCli) => eventually(async () => cli.stderr().includes("Ctrl-C to stop"), "tail to start");
  const tailed = (cli: StreamingCli) => cli.lines.map((l) => JSON.parse(l.text) as TailedAttempt);

  beforeAll(async () => {
    await ensureClientBuilt();
    app = await startTestApp(ONCE, { worker: true });
    receiver = await startWebhookReceiver(TOKEN);
    app.onClose(() => receiver.close());
  }, 120_000);
  // An account per test: "all the account's webhooks" means this test's only.
  beforeEach(async () => {
    apiKey = (await app.newAccount("Tail")).apiKey;
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop("SIGKILL")));
  });
  afterAll(async () => {
    await app?.close();
  });

  it("prints each new attempt across the account's webhooks within 1 s, and only new ones", async () => {
    const first = await webhook(["message.created"]);
    const second = await webhook(["chat.status_changed"]);
    const old = await emit("message.created", { n: 0 });
    await eventually(async () => receiver.deliveries.some((d) => d.body.toString().includes(old)), "the earlier delivery");
    await eventually(async () => (await app.call("GET", `/v1/webhooks/${first}/deliveries`, { key: apiKey })).body.data.length === 1, "its attempt in the log");

    const cli = tail(["--json"]);
    await ready(cli);
    expect(cli.stderr()).toContain("tailing 2 webhooks");

    const lags: number[] = [];
    for (const [i, type] of ["message.created", "chat.status_changed", "message.created"].entries()) {
      const eventId = await emit(type, { n: i + 1 });
      const line = await cli.waitForLine((l) => l.includes(eventId), `the attempt of ${eventId}`);
      const arrived = receiver.deliveries.find((d) => d.body.toString().includes(eventId))!;
      const attempt = JSON.parse(line.text) as TailedAttempt;
      expect(attempt).toMatchObject({ webhookId: type === "message.created" ? first : second, eventType: type, success: true, statusCode: 200 });
      lags.push(line.at - arrived.at);
      // The attempt started before the receiver got it; measured from its start too.
      expect(line.at - Date.parse(attempt.timestamp)).toBeLessThan(1_000);
    }
    expect(Math.max(...lags)).toBeLessThan(1_000);
    // What was in the log before tail started is not news, and nothing is printed twice.
    const ids = tailed(cli).map((a) => a.id);
    expect(tailed(cli).some((a) => a.eventId === old)).toBe(false);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(3);

    // A webhook made while tailing is picked up at the next re-list (every 10 s).
    const third = await webhook(["meta.message"]);
    await new Promise((r) => setTimeout(r, 10_500));
    const late = await emit("meta.message", { late: true });
    const line = await cli.waitForLine((l) => l.includes(late), "the new webhook's attempt", 5_000);
    expect(JSON.parse(line.text)).toMatchObject({ webhookId: third, eventType: "meta.message" });

    expect(await cli.stop("SIGINT")).toEqual({ code: 0, signal: null });
  }, 60_000);

  it("follows only the webhooks and outcomes asked for, in a table, and stops on SIGTERM with 0", async () => {
    const watched = await webhook(["message.created"]);
    await webhook(["message.created"]);
    const cli = tail(["--webhook", watched, "--outcome", "failure"]);
    await ready(cli);
    expect(cli.stderr()).toContain(`tailing ${watched};`);

    const succeeded = await emit("message.created", { ok: true });
    await eventually(async () => receiver.deliveries.filter((d) => d.body.toString().includes(succeeded)).length === 2, "both deliveries");
    receiver.respond = (_req, res) => res.writeHead(500).end("boom");
    try {
      const failed = await emit("message.created", { ok: false });
      const deliveryOfWatched = await eventually(async () => {
        const log = await app.call("GET", `/v1/webhooks/${watched}/deliveries?outcome=failure`, { key: apiKey });
        return log.body.data.find((a: TailedAttempt) => a.eventId === failed) as TailedAttempt | undefined;
      }, "the failed attempt");
      const line = await cli.waitForLine((l) => l.includes(deliveryOfWatched.id), "the failed attempt's line");
      expect(line.text).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  ${watched}  message.created\\s+failed 500\\s+\\d+ ms  #1  ${deliveryOfWatched.deliveryId}  ${deliveryOfWatched.id}`));
    } finally {
      receiver.respond = (_req, res) => res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    }
    // Give the successful attempt time to show up, were the filter not applied.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(cli.lines).toHaveLength(1);
    expect(await cli.stop("SIGTERM")).toEqual({ code: 0, signal: null });
  }, 30_000);

  it("exits 1 naming the error when a webhook it was asked to follow does not exist", async () => {
    const cli = tail(["--webhook", "wh_01JD2Z8Q3M4N5P6R7S8T9V0W1X"]);
    expect(await cli.exited).toEqual({ code: 1, signal: null });
    expect(cli.stderr()).toMatch(/^error: not_found \(HTTP 404\): webhook not found/);
  });
});
