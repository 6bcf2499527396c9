import { readFileSync } from "node:fs";
import { ensureBuilt } from "../../harness/build";
import { OPERATOR_COMMANDS } from "../../src/cli/usage";
import { ensureClientBuilt } from "../../harness/client-build";
import { startTestApp, type TestApp } from "../support/app";
import { cliEnv, ROOT_BIN, runBin } from "./cli-harness";

/**
 * The repo's `bin/hookrelay.js` answers for both CLIs: the operator commands (src/cli, straight
 * to Postgres) and every other command, handed to @hookrelay/client's CLI.
 */
describe("the repo's hookrelay launcher", () => {
  let app: TestApp;

  beforeAll(async () => {
    await Promise.all([ensureBuilt(), ensureClientBuilt()]);
    app = await startTestApp();
  }, 300_000);
  afterAll(async () => {
    await app?.close();
  });

  it("shows the API commands and the operator commands in one --help", async () => {
    const help = await runBin(ROOT_BIN, ["--help"], cliEnv(null));
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Commands:\n\s+webhooks list[\s\S]*deliveries tail[\s\S]*api-keys rotate <id>[\s\S]*audit list[\s\S]*listen/);
    expect(help.stdout).toMatch(/Exit codes:/);
    expect(help.stdout).toMatch(/Operator commands[^\n]*DATABASE_URL[^\n]*\n\s+hookrelay migrate[\s\S]*hookrelay accounts create <name>[\s\S]*hookrelay secrets rotate/);
  });

  it("routes exactly the operator CLI's commands to it", () => {
    const routed = /const OPERATOR_COMMANDS = (\[[^\]]*\]);/.exec(readFileSync(ROOT_BIN, "utf8"))?.[1];
    expect(JSON.parse(routed!)).toEqual([...OPERATOR_COMMANDS]);
  });

  it("runs operator commands itself and hands the rest to the client CLI", async () => {
    const created = await runBin(ROOT_BIN, ["accounts", "create", "Launcher"], { ...cliEnv(null), DATABASE_URL: app.db.url });
    expect(created.code).toBe(0);
    const { accountId, apiKey } = JSON.parse(created.stdout);
    expect(accountId).toMatch(/^acc_/);

    const env = cliEnv({ baseUrl: app.baseUrl, apiKey });
    const listed = await runBin(ROOT_BIN, ["webhooks", "list", "--json"], env);
    expect(listed).toMatchObject({ code: 0, stdout: "[]\n" });
    const emitted = await runBin(ROOT_BIN, ["events", "emit", "message.created", "--data", '{"a":1}', "--json"], env);
    expect(JSON.parse(emitted.stdout)).toMatchObject({ id: expect.stringMatching(/^evt_/), deliveries: 0 });

    const unknown = await runBin(ROOT_BIN, ["frobnicate"], env);
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown command: frobnicate") });
    // The operator CLI keeps its own usage errors.
    const missing = await runBin(ROOT_BIN, ["keys", "create"], { ...cliEnv(null), DATABASE_URL: app.db.url });
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining("keys create needs --account <id>") });
  });
});
