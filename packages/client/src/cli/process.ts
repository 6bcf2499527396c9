import { readFile } from "node:fs/promises";
import type { CliDeps } from "./context";
import { runCli, type RunOptions } from "./run";

/** The CLI in a real process: stdio, the environment, signals, and the exit code. */
export function runProcess(argv: string[], options: RunOptions = {}): void {
  let stop: AbortController | undefined;
  const deps: CliDeps = {
    io: { out: (line) => void process.stdout.write(line + "\n"), err: (line) => void process.stderr.write(line + "\n") },
    env: process.env,
    readStdin,
    readFile: (path) => readFile(path, "utf8"),
    now: () => new Date(),
    stopSignal() {
      if (!stop) {
        stop = new AbortController();
        const controller = stop;
        // The first signal asks the command to wind down (delete listen's webhook…); a second one insists.
        const onSignal = (signal: NodeJS.Signals) => {
          if (controller.signal.aborted) process.exit(signal === "SIGINT" ? 130 : 143);
          controller.abort();
        };
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
      }
      return stop.signal;
    },
  };
  runCli(argv, deps, options).then(
    (code) => exitAfterFlush(code),
    (err: unknown) => {
      // runCli maps every failure to a code; this is a bug in the CLI itself.
      console.error(err);
      exitAfterFlush(1);
    },
  );
}

/** Exits once what was written to stdout and stderr has been handed to the OS. */
function exitAfterFlush(code: number): void {
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
