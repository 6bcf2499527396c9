import type { OptionSpec } from "./args";
import type { CommandContext } from "./context";
import type { ExitCode } from "./exit";

/** One entry of the command table: how it is called, what `--help` says, and what it does. */
export interface Command {
  /** The words that select it: "webhooks list", "listen". */
  name: string;
  /** Positionals in the usage line: "<id>". */
  args?: string;
  summary: string;
  options?: OptionSpec;
  /** `--help` lines for its own options: [flag with argument, what it does]. */
  optionHelp?: [string, string][];
  /** Paragraphs after the options in `--help`. */
  details?: string;
  /** Resolves with the exit code (0 when it returns nothing); throws for failures (exit.ts maps them). */
  run(ctx: CommandContext): Promise<ExitCode | void>;
}

export function usageLine(c: Command): string {
  const opts = c.optionHelp?.length ? " [options]" : "";
  return `hookrelay ${c.name}${c.args ? ` ${c.args}` : ""}${opts}`;
}
