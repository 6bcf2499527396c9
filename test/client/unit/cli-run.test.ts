import type { CliDeps } from "../../../packages/client/src/cli/context";
import { COMMANDS, runCli } from "../../../packages/client/src/cli/run";

/** runCli with an io that records, and no API: everything here is decided before any request. */
async function run(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const deps: CliDeps = {
    io: { out: (l) => out.push(l), err: (l) => err.push(l) },
    env,
    readStdin: async () => "",
    readFile: async () => "",
    stopSignal: () => new AbortController().signal,
    now: () => new Date("2026-12-01T12:00:00Z"),
  };
  const code = await runCli(argv, deps, { extraHelp: "Operator commands: …" });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("the CLI's command table", () => {
  it("has one entry per name, each with a summary, and help for each option it declares", () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const c of COMMANDS) {
      expect(c.summary.length).toBeGreaterThan(10);
      const documented = (c.optionHelp ?? []).map(([flag]) => /^--([\w-]+)/.exec(flag)![1]);
      expect({ command: c.name, options: Object.keys(c.options ?? {}).sort() }).toEqual({ command: c.name, options: [...documented].sort() });
    }
  });

  it("prints the top help, with the extra section, for --help, -h and help", async () => {
    for (const argv of [["--help"], ["-h"], ["help"]]) {
      const res = await run(argv);
      expect(res.code).toBe(0);
      expect(res.out).toMatch(/^hookrelay: the hookrelay API from a terminal/);
      expect(res.out).toMatch(/Operator commands: …$/);
    }
    expect(await run(["help", "webhooks", "test"])).toMatchObject({ code: 0, out: expect.stringMatching(/^Usage: hookrelay webhooks test <id> \[options\]/) });
    expect(await run([])).toMatchObject({ code: 2, err: expect.stringContaining("Usage: hookrelay <command>") });
  });

  it("shows a group's commands for `webhooks --help`, and exits 2 for a bare group", async () => {
    expect(await run(["deliveries", "--help"])).toMatchObject({ code: 0, out: expect.stringMatching(/deliveries list[\s\S]*deliveries tail/) });
    expect(await run(["deliveries"])).toMatchObject({ code: 2 });
  });

  it("exits 2 without a request when the API URL or key is missing", async () => {
    expect(await run(["webhooks", "list"])).toMatchObject({ code: 2, err: expect.stringContaining("no API URL") });
    expect(await run(["webhooks", "list"], { HOOKRELAY_API_URL: "http://127.0.0.1:9" })).toMatchObject({ code: 2, err: expect.stringContaining("no API key") });
    expect(await run(["webhooks", "list", "--api-url", "127.0.0.1:9", "--api-key", "k"])).toMatchObject({ code: 2, err: expect.stringContaining("must start with http://") });
  });

  it("names the command's usage after a usage error", async () => {
    const res = await run(["webhooks", "create", "--url", "https://x"], { HOOKRELAY_API_URL: "http://127.0.0.1:9", HOOKRELAY_API_KEY: "k" });
    expect(res.code).toBe(2);
    expect(res.err).toBe("hookrelay: --event-types is required (for example --event-types message.created,chat.status_changed)\nusage: hookrelay webhooks create [options]\nrun `hookrelay webhooks create --help` for its options");
  });
});
