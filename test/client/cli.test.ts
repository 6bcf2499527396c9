import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureClientBuilt } from "../../harness/client-build";
import { COMMANDS } from "../../packages/client/src/cli/run";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { closedPort, startWebhookReceiver, type WebhookReceiver } from "../support/receivers";
import { CLIENT_BIN, cliEnv, runBin } from "./cli-harness";

const TOKEN = "cli-verify-token-000001";
const FAST = { HOOKRELAY_RETRY_SCHEDULE: "0,50ms,50ms", HOOKRELAY_RETRY_JITTER: "0" };

describe("the hookrelay CLI (a subprocess of the built package)", () => {
  let app: TestApp;
  let apiKey: string;
  let receiver: WebhookReceiver;
  let dir: string;
  const hookrelay = (args: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv } = {}) =>
    runBin(CLIENT_BIN, args, opts.env ?? cliEnv({ baseUrl: app.baseUrl, apiKey }), { stdin: opts.stdin });
  const json = async (args: string[], opts: { stdin?: string } = {}) => {
    const res = await hookrelay([...args, "--json"], opts);
    if (res.code !== 0) throw new Error(`hookrelay ${args.join(" ")} exited ${res.code}: ${res.stderr}`);
    return JSON.parse(res.stdout);
  };
  const createWebhook = async (eventTypes = "message.created,chat.status_changed") =>
    (await json(["webhooks", "create", "--url", receiver.url, "--event-types", eventTypes, "--verify-token", TOKEN])) as { id: string };

  beforeAll(async () => {
    await ensureClientBuilt();
    app = await startTestApp(FAST, { worker: true });
    apiKey = (await app.newAccount("CLI")).apiKey;
    receiver = await startWebhookReceiver(TOKEN);
    app.onClose(() => receiver.close());
    dir = await mkdtemp(join(tmpdir(), "hookrelay-cli-"));
  }, 120_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await app?.close();
  });

  it("answers --help for every command, and lists the exit codes at the top", async () => {
    const top = await hookrelay(["--help"]);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/Exit codes:\n\s+0\s+ok[\s\S]*\n\s+1\s+the API refused[\s\S]*\n\s+2\s+usage error[\s\S]*\n\s+3\s+the API could not be reached/);
    for (const c of COMMANDS) expect(top.stdout).toContain(c.name);
    const helps = await Promise.all(COMMANDS.map((c) => hookrelay([...c.name.split(" "), "--help"])));
    helps.forEach((res, i) => {
      expect({ command: COMMANDS[i]!.name, code: res.code }).toEqual({ command: COMMANDS[i]!.name, code: 0 });
      expect(res.stdout).toContain(`Usage: hookrelay ${COMMANDS[i]!.name}`);
    });
    expect((await hookrelay(["deliveries", "tail", "--help"])).stdout).toMatch(/no account-wide feed of attempts/);
  });

  it("creates, lists and shows webhooks, as tables and as JSON", async () => {
    const created = await hookrelay(["webhooks", "create", "--url", receiver.url, "--event-types", "message.created", "--verify-token", TOKEN, "--description", "from the CLI"]);
    expect(created.code).toBe(0);
    const id = /created (wh_\w+)/.exec(created.stdout)?.[1];
    expect(id).toBeDefined();
    expect(created.stdout).toMatch(/verified:\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    const stored = await app.call("GET", `/v1/webhooks/${id}`, { key: apiKey });
    expect(stored.body).toMatchObject({ url: receiver.url, eventTypes: ["message.created"], description: "from the CLI", status: "active" });

    const second = await createWebhook("chat.status_changed");
    expect(second).toMatchObject({ id: expect.stringMatching(/^wh_/), url: receiver.url, eventTypes: ["chat.status_changed"], verifiedAt: expect.any(String) });

    const table = await hookrelay(["webhooks", "list"]);
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+STATUS\s+HEALTH\s+DIALECT\s+EVENT TYPES\s+URL$/);
    expect(table.stdout).toMatch(new RegExp(`${id}\\s+active\\s+healthy\\s+meta\\s+message.created\\s+${receiver.url}`));
    const listed = (await json(["webhooks", "list"])) as { id: string }[];
    expect(listed.map((w) => w.id)).toEqual(expect.arrayContaining([id, second.id]));

    const shown = await hookrelay(["webhooks", "show", id!]);
    expect(shown.stdout).toMatch(new RegExp(`id:\\s+${id}`));
    expect(shown.stdout).toMatch(/description:\s+from the CLI/);
    expect(await json(["webhooks", "show", second.id])).toEqual((await app.call("GET", `/v1/webhooks/${second.id}`, { key: apiKey })).body);
  });

  it("deletes a webhook: listed again with --include-deleted, still shown by id as deleted", async () => {
    const { id } = await createWebhook("message.created");
    expect((await hookrelay(["webhooks", "delete", id])).stdout.trim()).toBe(`deleted ${id}`);
    const all = (await json(["webhooks", "list", "--include-deleted"])) as { id: string; status: string }[];
    expect(all.find((w) => w.id === id)).toMatchObject({ status: "deleted" });
    const shown = await hookrelay(["webhooks", "show", id]);
    expect(shown.stdout).toMatch(/status:\s+deleted/);
    expect(shown.stdout).toMatch(/deleted:\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(its log stays readable until retention removes it\)/);
  });

  it("sends a test event and exits 4 when the endpoint does not accept it", async () => {
    const { id } = await createWebhook();
    const before = receiver.deliveries.length;
    const ok = await hookrelay(["webhooks", "test", id, "--event-type", "chat.status_changed"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok: the endpoint answered 200 in \d+ ms/);
    expect(receiver.deliveries.slice(before).map((d) => d.headers["x-webhook-event"])).toEqual(["chat.status_changed"]);

    receiver.respond = (_req, res) => res.writeHead(503).end("down for maintenance");
    try {
      const failed = await hookrelay(["webhooks", "test", id, "--json"]);
      expect(failed.code).toBe(4);
      expect(JSON.parse(failed.stdout)).toMatchObject({ success: false, statusCode: 503, deliveryId: expect.stringMatching(/^dlv_/) });
    } finally {
      receiver.respond = (_req, res) => res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    }
  });

  it("pauses a webhook with a reason and enables it again", async () => {
    const { id } = await createWebhook();
    const paused = await hookrelay(["webhooks", "pause", id, "--reason", "maintenance window"]);
    expect(paused.code).toBe(0);
    expect(paused.stdout).toMatch(/status:\s+disabled \(.*maintenance window\)/);
    expect((await app.call("GET", `/v1/webhooks/${id}`, { key: apiKey })).body).toMatchObject({ status: "disabled", disabledReasonCode: "paused" });
    expect(await json(["webhooks", "enable", id])).toMatchObject({ id, status: "active", disabledReason: null });
    expect(await json(["webhooks", "pause", id])).toMatchObject({ status: "disabled" });
    const enabled = await hookrelay(["webhooks", "enable", id]);
    expect(enabled.stdout).toMatch(new RegExp(`^enabled ${id}\\n[\\s\\S]*status:\\s+active`));
  });

  it("emits events from an argument, a file and stdin, and keeps an idempotency key", async () => {
    const { id } = await createWebhook("chat.status_changed");
    const inline = await hookrelay(["events", "emit", "chat.status_changed", "--data", '{"chatId":"c1","status":"open"}']);
    expect(inline.code).toBe(0);
    expect(inline.stdout).toMatch(/^id:\s+evt_\w+\ntype:\s+chat.status_changed\n[\s\S]*deliveries:\s+\d+/);

    const file = join(dir, "event.json");
    await writeFile(file, JSON.stringify({ chatId: "c2", status: "closed", note: "Olá 👋" }));
    const fromFile = await json(["events", "emit", "chat.status_changed", "--data", `@${file}`, "--idempotency-key", "cli-key-1"]);
    expect(fromFile).toMatchObject({ id: expect.stringMatching(/^evt_/), idempotencyKey: "cli-key-1", deliveries: expect.any(Number) });
    const again = await json(["events", "emit", "chat.status_changed", "--data", `@${file}`, "--idempotency-key", "cli-key-1"]);
    expect(again.id).toBe(fromFile.id);

    const fromStdin = await json(["events", "emit", "chat.status_changed", "--data", "-"], { stdin: '{"chatId":"c3","status":"open"}' });
    const arrived = await eventually(async () => receiver.deliveries.find((d) => JSON.parse(d.body.toString()).id === fromStdin.id), "the stdin event's delivery");
    expect(JSON.parse(arrived.body.toString()).data).toEqual({ chatId: "c3", status: "open" });
    // One event each: the replayed key created no second one.
    const events = await eventually(async () => {
      const log = await app.call("GET", `/v1/webhooks/${id}/deliveries?limit=100`, { key: apiKey });
      return log.body.data.length >= 3 && log.body.data.map((a: { eventId: string }) => a.eventId);
    }, "three attempts");
    expect(new Set(events).size).toBe(3);
  });

  it("lists a webhook's delivery log with filters, shows a delivery and redelivers it", async () => {
    const { id } = await createWebhook("message.created");
    const event = await json(["events", "emit", "message.created", "--data", '{"text":"hello"}']);
    const attempt = await eventually(async () => (await app.call("GET", `/v1/webhooks/${id}/deliveries`, { key: apiKey })).body.data[0], "the attempt");

    const table = await hookrelay(["deliveries", "list", "--webhook", id]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`message.created\\s+ok 200\\s+\\d+\\s+1\\s+${attempt.deliveryId}\\s+${attempt.id}`));
    expect(await json(["deliveries", "list", "--webhook", id, "--since", "1h", "--outcome", "success", "--event-type", "message.created"])).toEqual([attempt]);
    expect(await json(["deliveries", "list", "--webhook", id, "--outcome", "failure"])).toEqual([]);
    expect((await hookrelay(["deliveries", "list", "--webhook", id, "--event-type", "chat.status_changed"])).stdout).toBe("no attempts\n");

    const shown = await hookrelay(["deliveries", "show", attempt.deliveryId]);
    expect(shown.stdout).toMatch(new RegExp(`id:\\s+${attempt.deliveryId}\\n[\\s\\S]*event:\\s+${event.id} \\(message.created\\)[\\s\\S]*status:\\s+succeeded`));
    expect(shown.stdout).toContain(attempt.id);
    expect(await json(["deliveries", "show", attempt.deliveryId])).toMatchObject({ id: attempt.deliveryId, status: "succeeded", attempts: [{ id: attempt.id }] });

    const redelivered = await hookrelay(["deliveries", "redeliver", attempt.deliveryId]);
    expect(redelivered.code).toBe(0);
    expect(redelivered.stdout).toMatch(new RegExp(`^redelivering ${attempt.deliveryId} \\(message.created to ${id}\\)`));
    await eventually(async () => receiver.deliveries.filter((d) => d.headers["x-webhook-id"] === attempt.deliveryId).length >= 2, "the second delivery");
    await eventually(async () => (await json(["deliveries", "show", attempt.deliveryId])).attempts.length === 2, "two attempts in the delivery");
  });

  it("prints a portal magic link that opens a session with the access asked for", async () => {
    const human = await hookrelay(["portal", "link"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/portal\/\S*#token=hrpl_\S+\n$/);
    expect(human.stderr).toMatch(/^manage access; open it once before/);
    const link = await json(["portal", "link", "--access", "read", "--ttl", "30m"]);
    expect(link).toMatchObject({ access: "read", sessionTtlSeconds: 1800 });
    const token = new URL(link.url).hash.replace(/^#token=/, "");
    const exchanged = await app.call("POST", "/v1/portal/session/exchange", { body: { token } });
    expect(exchanged.body.session).toMatchObject({ access: "read" });
  });

  it("exits 2 on usage errors, before calling the API", async () => {
    const cases: [string[], RegExp][] = [
      [["frobnicate"], /unknown command: frobnicate/],
      [["webhooks", "frob"], /unknown command: webhooks frob/],
      [["webhooks"], /Usage: hookrelay webhooks <command>/],
      [["webhooks", "list", "--bogus"], /Unknown option '--bogus'/],
      [["webhooks", "create", "--event-types", "message.created"], /--url is required/],
      [["webhooks", "show"], /missing <id>/],
      [["events", "emit", "message.created", "--data", "{not json"], /--data: the argument is not valid JSON/],
      [["events", "emit", "message.created", "--data", "@/nonexistent/x.json"], /cannot read \/nonexistent\/x.json \(ENOENT\)/],
      [["deliveries", "list", "--webhook", "wh_x", "--since", "yesterday"], /--since must be a duration/],
      [["deliveries", "tail", "--outcome", "maybe"], /--outcome must be success or failure/],
      [["portal", "link", "--access", "admin"], /--access must be read or manage/],
      [["listen", "--forward-to", "ftp://x"], /--forward-to must be an http/],
    ];
    const results = await Promise.all(cases.map(([args]) => hookrelay(args)));
    results.forEach((res, i) => {
      expect({ args: cases[i]![0], code: res.code }).toEqual({ args: cases[i]![0], code: 2 });
      expect(res.stderr).toMatch(cases[i]![1]);
    });
    const unconfigured = await hookrelay(["webhooks", "list"], { env: cliEnv(null) });
    expect(unconfigured).toMatchObject({ code: 2, stderr: expect.stringContaining("set HOOKRELAY_API_URL or pass --api-url") });
    // Flags stand in for the environment.
    const flags = await hookrelay(["webhooks", "list", "--json", "--api-url", app.baseUrl, "--api-key", apiKey], { env: cliEnv(null) });
    expect(flags.code).toBe(0);
  });

  it("exits 1 on API errors, printing the error's code, message and field issues", async () => {
    const missing = await hookrelay(["webhooks", "show", "wh_01JD2Z8Q3M4N5P6R7S8T9V0W1X"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: not_found \(HTTP 404\): webhook not found\n\s+request id: \S+/);

    const invalid = await hookrelay(["webhooks", "create", "--url", "not a url", "--event-types", "message.created", "--verify-token", TOKEN]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^error: validation_failed \(HTTP 400\)/);
    expect(invalid.stderr).toMatch(/\n {2}body\.url: .+ \[\w+\]/);

    const asJson = await hookrelay(["events", "emit", "message.created", "--data", "[1,2]", "--json"]);
    expect(asJson.code).toBe(1);
    expect(asJson.stdout).toBe("");
    const error = JSON.parse(asJson.stderr.split("\n")[0]!).error;
    expect(error).toMatchObject({ status: 400, code: "validation_failed", issues: [expect.objectContaining({ field: expect.stringContaining("data") })] });

    const badKey = await hookrelay(["webhooks", "list"], { env: cliEnv({ baseUrl: app.baseUrl, apiKey: "hr_not_a_real_key_000000000000" }) });
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toMatch(/^error: \w+ \(HTTP 401\)/);
  });

  it("exits 3 when the API cannot be reached", async () => {
    const port = await closedPort();
    const res = await hookrelay(["webhooks", "list"], { env: cliEnv({ baseUrl: `http://127.0.0.1:${port}`, apiKey }) });
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/^error: network_error: /);
  });
});
