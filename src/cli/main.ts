import { runCli } from "./commands";

// The `hookrelay` executable (bin/hookrelay.js loads this once built).
runCli(process.argv.slice(2), { out: (l) => process.stdout.write(l + "\n"), err: (l) => process.stderr.write(l + "\n") }, process.env).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
