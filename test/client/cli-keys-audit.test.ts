import { ensureClientBuilt } from "../../harness/client-build";
import { Hookrelay } from "../../packages/client/src";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { aReceiver, DEFAULT_TOKEN } from "../support/factories";
import { CLIENT_BIN, cliEnv, runBin } from "./cli-harness";

describe("hookrelay keys and audit (a subprocess of the built package)", () => {
  let app: TestApp;
  let accountId: string;
  let apiKey: string;
  const hookrelay = (args: string[], key = apiKey) => runBin(CLIENT_BIN, args, cliEnv({ baseUrl: app.baseUrl, apiKey: key }));
  const json = async (args: string[], key = apiKey) => {
    const res = await hookrelay([...args, "--json"], key);
    if (res.code !== 0) throw new Error(`hookrelay ${args.join(" ")} exited ${res.code}: ${res.stderr}`);
    return JSON.parse(res.stdout);
  };
  const refused = async (key: string) => (await hookrelay(["events", "emit", "message.created", "--data", "{}"], key)).stderr.includes("(HTTP 401)");

  beforeAll(async () => {
    await ensureClientBuilt();
    app = await startTestApp();
  }, 120_000);
  beforeEach(async () => {
    ({ accountId, apiKey } = await app.newAccount("CLI keys"));
  });
  afterAll(() => app?.close());

  it("creates, lists, rotates and revokes keys, as tables and as JSON, showing each new key once", async () => {
    const created = await hookrelay(["api-keys", "create", "--name", "emitter", "--scopes", "events:write,events:read"]);
    expect(created.code).toBe(0);
    const id = /^created (key_\w+)/.exec(created.stdout)?.[1];
    const secret = /api key:\s+(hr_\S+)/.exec(created.stdout)?.[1];
    expect(id).toBeDefined();
    expect(secret).toBeDefined();
    expect(created.stdout).toMatch(/scopes:\s+events:read, events:write/);
    expect(created.stderr).toMatch(/shown once/);
    expect((await hookrelay(["events", "emit", "message.created", "--data", "{}"], secret)).code).toBe(0);
    const scoped = await hookrelay(["webhooks", "list"], secret!);
    expect(scoped).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error: insufficient_scope \(HTTP 403\)/) });

    const asJson = await json(["api-keys", "create", "--name", "reader", "--scopes", "webhooks:read"]);
    expect(asJson).toMatchObject({ id: expect.stringMatching(/^key_/), name: "reader", scopes: ["webhooks:read"], apiKey: expect.stringMatching(/^hr_/) });

    const table = await hookrelay(["api-keys", "list"]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+NAME\s+PREFIX\s+SCOPES\s+STATUS\s+LAST USED\s+CREATED$/);
    expect(lines[1]).toMatch(new RegExp(`^${asJson.id}\\s+reader\\s+hr_\\w+\\s+webhooks:read\\s+active\\s+-\\s+\\d{4}-`));
    expect(table.stdout).toMatch(new RegExp(`${id}\\s+emitter\\s+hr_\\w+\\s+events:read,events:write\\s+active\\s+\\d{4}-`));
    expect(lines).toHaveLength(4);
    const listed = await json(["api-keys", "list"]);
    expect(listed.map((k: { id: string }) => k.id)).toEqual([asJson.id, id, expect.stringMatching(/^key_/)]);
    expect(JSON.stringify(listed)).not.toContain(secret);
    expect(table.stdout).not.toContain(secret);

    const rotated = await hookrelay(["api-keys", "rotate", id!, "--grace", "0"]);
    expect(rotated.code).toBe(0);
    const next = /api key:\s+(hr_\S+)/.exec(rotated.stdout)?.[1];
    expect(rotated.stdout).toMatch(new RegExp(`^rotated ${id} → key_\\w+`));
    expect(rotated.stdout).toMatch(new RegExp(`previous: ${id}, (expired|expires )`));
    expect(rotated.stderr).toMatch(/shown once/);
    await eventually(() => refused(secret!), "the rotated key refused");
    expect((await hookrelay(["events", "emit", "message.created", "--data", "{}"], next)).code).toBe(0);

    const rotatedJson = await json(["api-keys", "rotate", asJson.id, "--grace", "2h"]);
    expect(Date.parse(rotatedJson.previous.expiresAt) - Date.parse(rotatedJson.apiKey.createdAt)).toBeGreaterThan(7_190_000);
    expect(rotatedJson.apiKey).toMatchObject({ name: "reader", apiKey: expect.stringMatching(/^hr_/) });
    expect((await hookrelay(["api-keys", "list"])).stdout).toMatch(new RegExp(`${asJson.id}\\s+reader\\s+hr_\\w+\\s+webhooks:read\\s+expires \\d{4}-`));

    const revoked = await hookrelay(["api-keys", "revoke", rotatedJson.apiKey.id]);
    expect(revoked).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^revoked ${rotatedJson.apiKey.id} \\(reader\\) at \\d{4}-`)) });
    expect(await json(["api-keys", "revoke", rotatedJson.apiKey.id])).toMatchObject({ id: rotatedJson.apiKey.id, revokedAt: expect.any(String) });
    expect((await hookrelay(["api-keys", "list"])).stdout).toMatch(new RegExp(`${rotatedJson.apiKey.id}\\s+reader\\s+hr_\\w+\\s+webhooks:read\\s+revoked`));
    await eventually(() => refused(rotatedJson.apiKey.apiKey), "the revoked key refused");

    // The admin manages the account's keys with --account.
    const admin = await json(["api-keys", "create", "--account", accountId, "--name", "ops"], app.adminKey);
    expect(admin).toMatchObject({ name: "ops", scopes: ["*"] });
    expect((await json(["api-keys", "list", "--account", accountId], app.adminKey)).map((k: { id: string }) => k.id)).toContain(admin.id);
  });

  it("lists the audit log as a table and as JSON, filtered by webhook, action, actor type and time", async () => {
    const hr = new Hookrelay({ baseUrl: app.baseUrl, apiKey });
    const receiver = await aReceiver(app);
    const webhook = await hr.webhooks.create({ url: receiver.url, verifyToken: DEFAULT_TOKEN, eventTypes: ["message.created"] });
    await hr.webhooks.update(webhook.id, { description: "orders", eventTypes: ["message.created", "chat.status_changed"] });
    const key = await hr.apiKeys.create({ name: "auditor", scopes: ["audit:read"] });

    const table = await hookrelay(["audit", "list"]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^TIME\s+ACTION\s+ACTOR\s+TARGET\s+CHANGED$/);
    expect(lines[1]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+api_key.created\\s+key_\\w+ \\(\\w+\\)\\s+${key.id}\\s+\\S+`));
    expect(lines[2]).toMatch(new RegExp(`\\s+webhook.updated\\s+key_\\w+ \\(\\w+\\)\\s+${webhook.id}\\s+(description,eventTypes|eventTypes,description)$`));
    expect(lines[3]).toMatch(new RegExp(`\\s+webhook.created\\s+key_\\w+ \\(\\w+\\)\\s+${webhook.id}\\s+\\S+`));
    // The account's first key, made by the admin with the account.
    expect(lines[4]).toMatch(/\s+api_key.created\s+admin\s+key_\w+\s+name,prefix,scopes$/);
    expect(lines).toHaveLength(5);

    const byWebhook = await json(["audit", "list", "--webhook", webhook.id]);
    expect(byWebhook.map((e: { action: string }) => e.action)).toEqual(["webhook.updated", "webhook.created"]);
    expect(byWebhook[0].changes).toMatchObject({ description: { from: null, to: "orders" } });
    expect((await json(["audit", "list", "--target", key.id])).map((e: { action: string }) => e.action)).toEqual(["api_key.created"]);
    expect((await json(["audit", "list", "--action", "webhook.created"])).map((e: { target: { id: string } }) => e.target.id)).toEqual([webhook.id]);
    expect(await json(["audit", "list", "--actor-type", "system"])).toEqual([]);
    expect(await json(["audit", "list", "--since", "2026-01-01T00:00:00Z", "--until", "2026-01-02T00:00:00Z"])).toEqual([]);
    expect(await json(["audit", "list", "--since", "1h", "--limit", "2"])).toHaveLength(2);
    expect((await hookrelay(["audit", "list", "--actor-type", "system"])).stdout).toBe("no audit entries\n");

    // A key with audit:read reads it; the admin names the account.
    expect(await json(["audit", "list"], key.apiKey)).toHaveLength(4);
    expect((await json(["audit", "list", "--account", accountId], app.adminKey)).map((e: { id: string }) => e.id)).toEqual((await json(["audit", "list"])).map((e: { id: string }) => e.id));
  });

  it("refuses bad arguments with exit 2 and the API's refusals with exit 1", async () => {
    const usage: [string[], RegExp][] = [
      [["api-keys", "revoke"], /missing <id>/],
      [["api-keys", "rotate", "key_x", "--grace", "soon"], /--grace must be seconds or a duration/],
      [["api-keys", "list", "extra"], /unexpected argument: extra/],
      [["audit", "list", "--webhook", "wh_x", "--target", "key_x"], /pass --webhook or --target, not both/],
      [["audit", "list", "--since", "yesterday"], /--since must be a duration/],
      [["audit", "list", "--limit", "0"], /--limit must be a whole number/],
    ];
    const results = await Promise.all(usage.map(([args]) => hookrelay(args)));
    results.forEach((res, i) => {
      expect({ args: usage[i]![0], code: res.code }).toEqual({ args: usage[i]![0], code: 2 });
      expect(res.stderr).toMatch(usage[i]![1]);
    });

    const badScope = await hookrelay(["api-keys", "create", "--scopes", "everything"]);
    expect(badScope).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error: validation_failed \(HTTP 400\)[\s\S]*body\.scopes/) });
    const badAction = await hookrelay(["audit", "list", "--action", "webhook.frobbed", "--json"]);
    expect(badAction.code).toBe(1);
    expect(JSON.parse(badAction.stderr.split("\n")[0]!).error).toMatchObject({ code: "validation_failed", issues: [expect.objectContaining({ field: "query.action" })] });
    const unknown = await hookrelay(["api-keys", "revoke", "key_01JD2Z8Q3M4N5P6R7S8T9V0W1X"]);
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error: not_found \(HTTP 404\)/) });
  });
});
