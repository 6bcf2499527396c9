import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU time each part of the system spent during a measurement, read from /proc (user + system
 * time of every process of a group). On a 2-core box where the API, the workers, Postgres,
 * Redis, the receiver and the load generator share the CPUs, "which process pays for a
 * delivery" says more than any single throughput figure.
 */
const TICKS_PER_SEC = 100; // USER_HZ; Linux reports it as 100 on every architecture we run on

/** A group's processes: fixed pids (the stack's children) or every process with a command name. */
export type CpuGroup = { pids: () => number[] } | { comm: string };

/** Ticks per pid, so that processes appearing mid-measurement count only their own time. */
type Snapshot = Map<number, number>;

function ticksOf(pid: number): { comm: string; ticks: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name is in parentheses and may itself hold spaces or parentheses.
    const close = stat.lastIndexOf(")");
    const comm = stat.slice(stat.indexOf("(") + 1, close);
    const fields = stat.slice(close + 2).split(" ");
    // Fields after the name, 0-based: 11 = utime, 12 = stime.
    return { comm, ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null; // exited meanwhile
  }
}

/**
 * Ticks per pid of every group at one moment. The command-name groups share one pass over
 * /proc: it holds every process on the machine.
 */
function snapshot(groups: Record<string, CpuGroup>): Record<string, Snapshot> {
  const snaps: Record<string, Snapshot> = {};
  const byComm = new Map<string, Snapshot>();
  for (const [name, group] of Object.entries(groups)) {
    const snap: Snapshot = new Map();
    snaps[name] = snap;
    if ("comm" in group) byComm.set(group.comm, snap);
    else
      for (const pid of group.pids()) {
        const t = ticksOf(pid);
        if (t) snap.set(pid, t.ticks);
      }
  }
  if (byComm.size === 0) return snaps;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const t = ticksOf(pid);
    if (t) byComm.get(t.comm)?.set(pid, t.ticks);
  }
  return snaps;
}

export interface CpuMeter {
  /** CPU seconds each group used since the meter started (a process that exited meanwhile is lost). */
  stop(): Record<string, number>;
}

export function startCpuMeter(groups: Record<string, CpuGroup>): CpuMeter {
  const before = snapshot(groups);
  return {
    stop() {
      const after = snapshot(groups);
      const used: Record<string, number> = {};
      for (const name of Object.keys(groups)) {
        let ticks = 0;
        for (const [pid, now] of after[name]!) ticks += now - (before[name]!.get(pid) ?? 0);
        used[name] = ticks / TICKS_PER_SEC;
      }
      return used;
    },
  };
}

/** The services every scenario shares, by command name. */
export const SERVICE_GROUPS: Record<string, CpuGroup> = {
  postgres: { comm: "postgres" },
  redis: { comm: "redis-server" },
};

/**
 * "worker 0.31 · postgres 0.12 · … = 0.62": CPU milliseconds per unit of work by group,
 * largest first, and their sum; null when nothing was done.
 */
export function cpuPerUnit(used: Record<string, number>, units: number): string | null {
  if (units <= 0) return null;
  const per = Object.entries(used)
    .map(([name, sec]) => [name, (sec * 1000) / units] as const)
    .sort((a, b) => b[1] - a[1]);
  const total = per.reduce((sum, [, ms]) => sum + ms, 0);
  const fmt = (ms: number) => (ms >= 10 ? ms.toFixed(0) : ms.toFixed(2));
  return `${per.map(([name, ms]) => `${name} ${fmt(ms)}`).join(" · ")} = ${fmt(total)}`;
}

/** The groups of a running stack: its API and workers, the shared services, the receiver and this process (the load). */
export function stackCpuGroups(stack: { pidsOf(prefix: string): number[] }, receiverPid: number): Record<string, CpuGroup> {
  return {
    api: { pids: () => stack.pidsOf("api") },
    worker: { pids: () => stack.pidsOf("worker") },
    ...SERVICE_GROUPS,
    receiver: { pids: () => [receiverPid] },
    bench: { pids: () => [process.pid] },
  };
}
