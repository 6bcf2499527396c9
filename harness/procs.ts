import { readdirSync, readFileSync } from "node:fs";

/**
 * What /proc says about processes, for the fault suite: which processes a supervisor started
 * (its descendants, and the servers it daemonized), and whether any of them outlived it. A
 * process is named by its pid and its start time, so a pid used again is not mistaken for it.
 */
export interface ProcessRef {
  pid: number;
  ppid: number;
  /** Clock ticks after boot (field 22 of /proc/<pid>/stat). */
  start: number;
  /** R, S, D, T (stopped), Z (exited, not yet reaped)… */
  state: string;
  comm: string;
}

export function processRef(pid: number): ProcessRef | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name is in parentheses and may hold anything, spaces and ")" included.
    const close = stat.lastIndexOf(")");
    const fields = stat.slice(close + 2).split(" ");
    return { pid, comm: stat.slice(stat.indexOf("(") + 1, close), state: fields[0]!, ppid: Number(fields[1]), start: Number(fields[19]) };
  } catch {
    return null;
  }
}

/** Every live process, each once. */
function allProcesses(): ProcessRef[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => processRef(Number(entry)))
    .filter((p): p is ProcessRef => p !== null);
}

/** Pids whose parent is `pid`. */
export function childPids(pid: number): number[] {
  return allProcesses()
    .filter((p) => p.ppid === pid)
    .map((p) => p.pid);
}

/** `pid`'s children, their children, and so on. */
export function descendants(pid: number): ProcessRef[] {
  const all = allProcesses();
  const found: ProcessRef[] = [];
  const parents = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (parents.has(p.ppid) && !parents.has(p.pid)) {
        parents.add(p.pid);
        found.push(p);
        grew = true;
      }
    }
  }
  return found;
}

/** True while the very process `ref` names runs (an exited one waiting to be reaped does not). */
export function stillRunning(ref: ProcessRef): boolean {
  const now = processRef(ref.pid);
  return now !== null && now.start === ref.start && now.state !== "Z" && now.state !== "X";
}

/** Sends `signal` to each pid that still exists. */
export function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Gone meanwhile.
    }
  }
}
