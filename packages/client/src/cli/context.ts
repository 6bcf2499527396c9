import { Hookrelay, VERSION } from "../index";
import { stringOption, UsageError, type ParsedArgs } from "./args";
import type { CliIo } from "./output";

/** What the process gives the CLI; main.ts builds the real one, tests may build their own. */
export interface CliDeps {
  io: CliIo;
  env: Record<string, string | undefined>;
  readStdin(): Promise<string>;
  readFile(path: string): Promise<string>;
  /**
   * A signal aborted on the first SIGINT/SIGTERM. Only streaming commands ask for it: until one
   * does, the signals keep their default effect (a one-shot command just dies).
   */
  stopSignal(): AbortSignal;
  now(): Date;
}

export interface CommandContext extends CliDeps {
  args: ParsedArgs;
  json: boolean;
  /** The API client, built on first use from --api-url/--api-key or the environment. */
  client(): Hookrelay;
}

const USER_AGENT = `hookrelay-cli/${VERSION}`;

export function commandContext(deps: CliDeps, args: ParsedArgs): CommandContext {
  let client: Hookrelay | undefined;
  return {
    ...deps,
    args,
    json: args.values.json === true,
    client() {
      client ??= new Hookrelay({ ...apiConfig(args, deps.env), userAgent: USER_AGENT });
      return client;
    },
  };
}

/** Flags win over the environment; a missing URL or key is a usage error (exit 2), before any request. */
export function apiConfig(args: ParsedArgs, env: CliDeps["env"]): { baseUrl: string; apiKey: string } {
  const baseUrl = stringOption(args, "api-url") ?? env.HOOKRELAY_API_URL;
  const apiKey = stringOption(args, "api-key") ?? env.HOOKRELAY_API_KEY;
  if (!baseUrl) throw new UsageError("no API URL: set HOOKRELAY_API_URL or pass --api-url (`npm run up` serves http://127.0.0.1:7780)");
  if (!/^https?:\/\//.test(baseUrl)) throw new UsageError(`the API URL must start with http:// or https:// (got "${baseUrl}")`);
  if (!apiKey) throw new UsageError("no API key: set HOOKRELAY_API_KEY or pass --api-key");
  return { baseUrl: baseUrl.replace(/\/+$/, ""), apiKey };
}
