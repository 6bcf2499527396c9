import { ensureClientBuilt } from "../../harness/client-build";
import { ConflictError, Hookrelay, NotFoundError, type Replay } from "../../packages/client/src";
import { startTestApp, type TestApp } from "../support/app";
import { aWebhook } from "../support/factories";
import { CLIENT_BIN, cliEnv, runBin } from "./cli-harness";

/**
 * hr.replays and `hookrelay webhooks replay` / `hookrelay replays …` against the real API. No
 * worker runs here, so a started replay stays running: these tests are about the calls, not the
 * sending (test/integration/replay*.test.ts).
 */
describe("replays from the SDK and the CLI", () => {
  let app: TestApp;
  let apiKey: string;
  let hr: Hookrelay;
  const hookrelay = (args: string[]) => runBin(CLIENT_BIN, args, cliEnv({ baseUrl: app.baseUrl, apiKey }));

  beforeAll(async () => {
    await ensureClientBuilt();
    app = await startTestApp();
  }, 120_000);
  beforeEach(async () => {
    ({ apiKey } = await app.newAccount("Replays client"));
    hr = new Hookrelay({ baseUrl: app.baseUrl, apiKey });
  });
  afterAll(() => app?.close());

  /** A webhook with `n` failed deliveries (settled by hand: no worker here). */
  async function withFailures(n: number): Promise<string> {
    const { id } = await aWebhook(app, apiKey);
    for (let i = 0; i < n; i++) await hr.events.emit({ type: "message.created", data: { i } });
    await app.container.db.delivery.updateMany({ where: { webhookId: id }, data: { status: "failed", nextAttemptAt: null } });
    return id;
  }

  it("counts, starts, answers the same start with the running replay, follows, lists and cancels", async () => {
    const webhookId = await withFailures(3);
    const since = new Date(Date.now() - 3_600_000).toISOString();

    const dry = await hr.replays.start(webhookId, { since, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, matched: 3, statuses: ["failed"] });
    const started: Replay = await hr.replays.start(webhookId, { since });
    expect(started).toMatchObject({ id: expect.stringMatching(/^rpl_/), webhookId, status: "running", matched: 3, replayed: 0 });
    expect(await hr.replays.start(webhookId, { since })).toEqual(started);
    const other = await hr.replays.start(webhookId, { since, statuses: "all" }).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(ConflictError);
    expect(other).toMatchObject({ status: 409, code: "replay_in_progress", details: { replayId: started.id } });

    expect(await hr.replays.get(started.id)).toEqual(started);
    expect((await hr.replays.list(webhookId).all()).map((r) => r.id)).toEqual([started.id]);
    const cancelled = await hr.replays.cancel(started.id);
    expect(cancelled).toMatchObject({ id: started.id, status: "cancelled", finishedAt: expect.any(String) });
    await expect(hr.replays.get("rpl_01JD2Z8Q3M4N5P6R7S8T9V0W1X")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("offers the skipped deliveries in the enable answer, typed", async () => {
    const { id } = await aWebhook(app, apiKey);
    await hr.webhooks.pause(id);
    const enabled = await hr.webhooks.enable(id);
    expect(enabled).toMatchObject({ id, status: "active", skippedWhileDisabled: { count: 0 } });
    expect((await hr.webhooks.enable(id)).skippedWhileDisabled).toBeNull();
  });

  it("replays from the command line: a dry run's count, a start, show and cancel, and usage errors", async () => {
    const webhookId = await withFailures(2);

    const dry = await hookrelay(["webhooks", "replay", webhookId, "--since", "1h", "--status", "failed,skipped", "--dry-run"]);
    expect(dry).toMatchObject({ code: 0, stdout: expect.stringMatching(/^2 deliveries match \(events .* failed, skipped\); nothing was sent/) });
    expect(await app.container.db.replay.count({ where: { webhookId } })).toBe(0);

    const started = await hookrelay(["webhooks", "replay", webhookId, "--since", "1h", "--json"]);
    expect(started.code).toBe(0);
    const replay = JSON.parse(started.stdout) as Replay;
    expect(replay).toMatchObject({ webhookId, status: "running", matched: 2 });

    const shown = await hookrelay(["replays", "show", replay.id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/progress:\s+0 of 2 replayed/);
    expect(shown.stdout).toMatch(/event types:\s+all/);
    const cancelled = await hookrelay(["replays", "cancel", replay.id]);
    expect(cancelled).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`^cancelled ${replay.id}\\n[\\s\\S]*status:\\s+cancelled`)) });

    expect(await hookrelay(["webhooks", "replay", webhookId])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--since is required/) });
    expect(await hookrelay(["webhooks", "replay", webhookId, "--since", "1h", "--status", "pending"])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--status takes/) });
    expect(await hookrelay(["replays", "show", "rpl_nope"])).toMatchObject({ code: 1, stderr: expect.stringMatching(/not_found/) });
  });
});
