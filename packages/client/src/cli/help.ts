import { usageLine, type Command } from "./command";
import { EXIT } from "./exit";

/** `--help` texts, built from the command table so they cannot drift from it. Pure. */

const GLOBAL_HELP: [string, string][] = [
  ["--api-url <url>", "the hookrelay API (default: $HOOKRELAY_API_URL)"],
  ["--api-key <key>", "an account API key (default: $HOOKRELAY_API_KEY)"],
  ["--json", "print JSON for scripts: one document, or one object per line for tail and listen"],
  ["-h, --help", "help for any command (hookrelay --version: the version)"],
];

export const EXIT_CODES_HELP = `Exit codes:
  ${EXIT.ok}  ok (tail and listen: also when stopped with Ctrl-C or SIGTERM)
  ${EXIT.apiError}  the API refused or failed: its error code and message (and field issues) are on stderr
  ${EXIT.usage}  usage error: unknown command or option, a missing or malformed argument, no API URL or key
  ${EXIT.unreachable}  the API could not be reached (connection refused, DNS, timeout) after retries
  ${EXIT.checkFailed}  webhooks test: the call worked but the endpoint did not accept the test event`;

function optionLines(pairs: [string, string][]): string {
  const width = Math.max(...pairs.map(([flag]) => flag.length)) + 2;
  return pairs.map(([flag, what]) => `  ${flag.padEnd(width)}${what}`).join("\n");
}

export function commandList(commands: Command[]): string {
  const width = Math.max(...commands.map((c) => (c.name + (c.args ? ` ${c.args}` : "")).length)) + 2;
  return commands.map((c) => `  ${(c.name + (c.args ? ` ${c.args}` : "")).padEnd(width)}${c.summary}`).join("\n");
}

export function topHelp(commands: Command[]): string {
  return `hookrelay: the hookrelay API from a terminal

Usage: hookrelay <command> [options]

Commands:
${commandList(commands)}

Options for every command:
${optionLines(GLOBAL_HELP)}

Output is a table for people by default; --json prints JSON, and API errors as {"error": …} on stderr.

${EXIT_CODES_HELP}

Run \`hookrelay <command> --help\` for a command's options.`;
}

export function groupHelp(group: string, commands: Command[]): string {
  const members = commands.filter((c) => c.name.startsWith(`${group} `));
  return `Usage: hookrelay ${group} <command> [options]

Commands:
${commandList(members)}

Run \`hookrelay ${group} <command> --help\` for a command's options.`;
}

export function commandHelp(c: Command): string {
  const parts = [`Usage: ${usageLine(c)}`, "", c.summary];
  if (c.optionHelp?.length) parts.push("", "Options:", optionLines(c.optionHelp));
  if (c.details) parts.push("", c.details);
  parts.push("", "Options for every command:", optionLines(GLOBAL_HELP), "", `Exit codes: ${EXIT.ok} ok, ${EXIT.apiError} API error, ${EXIT.usage} usage, ${EXIT.unreachable} unreachable (see hookrelay --help)`);
  return parts.join("\n");
}
