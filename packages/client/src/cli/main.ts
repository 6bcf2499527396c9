import { runProcess } from "./process";

// The `hookrelay` executable of @hookrelay/client (bin/hookrelay.js loads this).
runProcess(process.argv.slice(2));
