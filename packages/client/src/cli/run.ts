import { VERSION } from "../index";
import { parseCommandArgs, UsageError } from "./args";
import { usageLine, type Command } from "./command";
import { commandContext, type CliDeps } from "./context";
import { auditCommands } from "./audit";
import { deliveryCommands } from "./deliveries";
import { eventCommands } from "./events";
import { describeFailure, EXIT, exitCodeOf } from "./exit";
import { commandHelp, groupHelp, topHelp } from "./help";
import { keyCommands } from "./keys";
import { listenCommand } from "./listen-command";
import { portalCommands } from "./portal";
import { replayCommands } from "./replays";
import { webhookCommands } from "./webhooks";

/** The command table: `hookrelay --help` lists it in this order. */
export const COMMANDS: Command[] = [...webhookCommands, ...replayCommands, ...eventCommands, ...deliveryCommands, ...portalCommands, ...keyCommands, ...auditCommands, listenCommand];

export interface RunOptions {
  /** Appended to `hookrelay --help`: the repo's launcher adds its operator commands. */
  extraHelp?: string;
  commands?: Command[];
}

const isHelp = (word: string | undefined) => word === "--help" || word === "-h" || word === "help";

/** Runs one command line; resolves with the exit code (see EXIT). Never throws. */
export async function runCli(argv: string[], deps: CliDeps, options: RunOptions = {}): Promise<number> {
  const commands = options.commands ?? COMMANDS;
  const { io } = deps;
  const top = () => topHelp(commands) + (options.extraHelp ? `\n\n${options.extraHelp}` : "");
  if (argv.length === 0) {
    io.err(top());
    return EXIT.usage;
  }
  if (isHelp(argv[0])) {
    const rest = argv.slice(1);
    if (rest.length > 0) return runCli([...rest, "--help"], deps, options);
    io.out(top());
    return EXIT.ok;
  }

  if (argv[0] === "--version" || argv[0] === "-v") {
    io.out(VERSION);
    return EXIT.ok;
  }

  const { command, rest } = findCommand(commands, argv);
  if (!command) return unknownCommand(argv, commands, deps);

  let json = argv.includes("--json");
  try {
    const args = parseCommandArgs(rest, command.options ?? {});
    json = args.values.json === true;
    if (args.values.help === true) {
      io.out(commandHelp(command));
      return EXIT.ok;
    }
    return (await command.run(commandContext(deps, args))) ?? EXIT.ok;
  } catch (err) {
    io.err(describeFailure(err, json));
    if (err instanceof UsageError) io.err(`usage: ${usageLine(command)}\nrun \`hookrelay ${command.name} --help\` for its options`);
    return exitCodeOf(err);
  }
}

/** The longest command name made of argv's leading words: "webhooks list" before "webhooks". */
function findCommand(commands: Command[], argv: string[]): { command?: Command; rest: string[] } {
  for (let words = 2; words >= 1; words--) {
    const name = argv.slice(0, words).join(" ");
    const command = commands.find((c) => c.name === name);
    if (command) return { command, rest: argv.slice(words) };
  }
  return { rest: argv };
}

function unknownCommand(argv: string[], commands: Command[], { io }: CliDeps): number {
  const [group, sub] = argv;
  if (group && commands.some((c) => c.name.startsWith(`${group} `))) {
    if (isHelp(sub)) {
      io.out(groupHelp(group, commands));
      return EXIT.ok;
    }
    if (sub === undefined || sub.startsWith("-")) {
      io.err(groupHelp(group, commands));
      return EXIT.usage;
    }
    io.err(`hookrelay: unknown command: ${group} ${sub}\n\n${groupHelp(group, commands)}`);
    return EXIT.usage;
  }
  io.err(`hookrelay: unknown command: ${group}\nrun \`hookrelay --help\` for the list of commands`);
  return EXIT.usage;
}
