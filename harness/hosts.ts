import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

/**
 * A private network of hosts on this machine, made of Linux network namespaces (iproute2): one
 * namespace per host, each with one veth into a bridge that lives in a namespace of its own
 * (the "switch"), each with an address of its own in a /24 taken for this run. The test process
 * stays in the root namespace and joins the network through one veth of its own into the
 * switch; the only route that adds to the root namespace is that /24's, so nothing sent to
 * these addresses can leave the machine, and no host has a route to anywhere else.
 *
 * Names carry a run id: namespaces `hrn-<id>-<host>`, interfaces `hrn<id><host>` (15 chars at
 * most). A run claims its /24 with a file in /run/hookrelay-hosts naming its pid; anything named
 * `hrn…` whose run is no longer alive is a leftover, and `cleanLeftovers()` (run by every
 * `createHosts`) removes it. Needs root and iproute2 (`ip`, `bridge`).
 */
const run = promisify(execFile);

export const NAME_PREFIX = "hrn";
const STATE_DIR = "/run/hookrelay-hosts";
/** Each run takes the first free 10.86.<n>.0/24; the test process is .1, hosts .10 onwards. */
const BLOCK = [10, 86] as const;
const SWITCH = "sw";
const ROOT_LINK = "root";

/**
 * `down`: the host's interface goes down; its own sends fail at once (no route), peers see
 * silence. `drop`: its switch port stops forwarding, both ways, with the link still up on the
 * host: no RST, no ICMP, nothing, as when a cable or a switch dies. (Not netem: the kernels
 * here are built without sch_netem.)
 */
export type CutKind = "down" | "drop";

export interface Hosts {
  id: string;
  /** This run's /24, e.g. "10.86.1.0/24". */
  subnet: string;
  /** The test process's own address on the network (root namespace). */
  localAddress: string;
  address(host: string): string;
  namespace(host: string): string;
  /** The command prefix that runs a program on `host`: `ip netns exec <ns>` (execs in place). */
  exec(host: string): string[];
  cut(host: string, kind?: CutKind): Promise<void>;
  restore(host: string): Promise<void>;
  /** Kills whatever still runs on the hosts and removes every namespace and interface. Idempotent. */
  close(): Promise<void>;
}

/** Why a run cannot build hosts here, or null. */
export function hostsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "needs root: network namespaces (ip netns) can only be created by root";
  for (const tool of ["ip", "bridge"]) {
    try {
      execFileSync(tool, ["-V"], { stdio: "ignore" });
    } catch {
      return `needs iproute2 (\`${tool}\` not found): apt-get install iproute2 (npm test does when root)`;
    }
  }
  return null;
}

function ipSync(args: string[]): string {
  return execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** The output's lines, none if the command failed (what it names may be gone already). */
function ipLines(args: string[]): string[] {
  try {
    return ipSync(args).split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

async function ip(...args: string[]): Promise<void> {
  try {
    await run("ip", args);
  } catch (err) {
    throw new Error(`ip ${args.join(" ")}: ${(err as { stderr?: string }).stderr?.trim() || String(err)}`);
  }
}

/**
 * No IPv6 in our namespaces: their links would otherwise send router solicitations and
 * neighbour discovery to multicast groups, chatter nobody here needs (it stays on our switch,
 * but IPv4 only is simpler to account for). Set before any link is made, so every one inherits it.
 */
async function ipv4Only(ns: string): Promise<void> {
  const files = ["all", "default"].map((c) => `/proc/sys/net/ipv6/conf/${c}/disable_ipv6`);
  await ip("netns", "exec", ns, "sh", "-c", files.map((f) => `echo 1 > ${f}`).join(" && "));
}

/** The kernel's start time of a process (clock ticks), so that a reused pid is not taken for its owner. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

interface Claim {
  id: string;
  pid: number;
  start: string;
}

function claims(): { file: string; claim: Claim | null }[] {
  if (!existsSync(STATE_DIR)) return [];
  return readdirSync(STATE_DIR).map((f) => {
    const file = join(STATE_DIR, f);
    try {
      return { file, claim: JSON.parse(readFileSync(file, "utf8")) as Claim };
    } catch {
      return { file, claim: null }; // half-written by a run killed mid-write
    }
  });
}

const alive = (c: Claim) => startTime(c.pid) === c.start;

/** Removes a run's namespaces (killing what runs in them) and its root-namespace link. Never throws. */
function removeRun(id: string): void {
  for (const ns of ipLines(["netns", "list"]).map((l) => l.split(" ")[0]!)) {
    if (!ns.startsWith(`${NAME_PREFIX}-${id}-`)) continue;
    // A namespace lives on while a process is in it: deleting its name would only hide it.
    for (const pid of ipLines(["netns", "pids", ns])) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // exited meanwhile
      }
    }
    ipLines(["netns", "del", ns]);
  }
  // Deleting one end of a veth deletes both; the host-side ends go with their namespaces.
  ipLines(["link", "del", `${NAME_PREFIX}${id}${ROOT_LINK}`]);
}

/**
 * Removes every namespace and root-namespace interface named `hrn…` whose run is not alive,
 * and the claims of dead runs. Returns the run ids it removed.
 */
export function cleanLeftovers(): string[] {
  const live = new Set<string>();
  for (const { file, claim } of claims()) {
    if (claim && alive(claim)) live.add(claim.id);
    else rmSync(file, { force: true });
  }
  const ids = new Set<string>();
  const nsName = new RegExp(`^${NAME_PREFIX}-([0-9a-f]{6})-`);
  const linkName = new RegExp(`^\\d+: ${NAME_PREFIX}([0-9a-f]{6})`);
  for (const line of ipLines(["netns", "list"])) ids.add(nsName.exec(line)?.[1] ?? "");
  for (const line of ipLines(["-o", "link", "show"])) ids.add(linkName.exec(line)?.[1] ?? "");
  const dead = [...ids].filter((id) => id !== "" && !live.has(id));
  for (const id of dead) removeRun(id);
  return dead;
}

/** The IPv4 prefixes routed or addressed in the root namespace, as [network, bits]. */
function usedPrefixes(): [number, number][] {
  const toInt = (a: string) => a.split(".").reduce((n, o) => n * 256 + Number(o), 0);
  const out: [number, number][] = [];
  const routes = JSON.parse(ipSync(["-4", "-j", "route", "show", "table", "all"])) as { dst: string }[];
  const addrs = JSON.parse(ipSync(["-4", "-j", "addr", "show"])) as { addr_info: { local: string; prefixlen: number }[] }[];
  for (const r of routes) if (/^\d+\.\d+\.\d+\.\d+/.test(r.dst)) out.push([toInt(r.dst.split("/")[0]!), Number(r.dst.split("/")[1] ?? 32)]);
  for (const a of addrs.flatMap((l) => l.addr_info)) out.push([toInt(a.local), a.prefixlen]);
  return out;
}

/** The first 10.86.<n>.0/24 that nothing here routes to (a default route aside) and no live run has claimed; claimed for `id`. */
function claimSubnet(id: string): number {
  mkdirSync(STATE_DIR, { recursive: true, mode: 0o700 });
  const used = usedPrefixes();
  const overlaps = (n: number) => {
    const net = ((BLOCK[0] * 256 + BLOCK[1]) * 256 + n) * 256;
    return used.some(([addr, bits]) => {
      const common = Math.min(bits, 24);
      const mask = common === 0 ? 0 : 2 ** 32 - 2 ** (32 - common);
      return (addr & mask) >>> 0 === (net & mask) >>> 0;
    });
  };
  const claim: Claim = { id, pid: process.pid, start: startTime(process.pid) ?? "" };
  for (let n = 1; n < 255; n++) {
    if (overlaps(n)) continue;
    try {
      // Exclusive create: two runs starting together cannot take the same /24.
      writeFileSync(join(STATE_DIR, `net-${n}.json`), JSON.stringify(claim), { flag: "wx" });
      return n;
    } catch {
      // taken by a live run (dead runs' claims were removed by cleanLeftovers)
    }
  }
  throw new Error(`no free /24 left in ${BLOCK.join(".")}.0.0/16`);
}

/**
 * Builds the network: a host per name in `hosts` (lower-case letters and digits, 1-5 chars),
 * each at its own address, all reachable from this process. Cleans leftovers of dead runs
 * first. Everything is removed by `close()`, and on this process's exit or SIGINT/SIGTERM.
 */
export async function createHosts(hosts: string[]): Promise<Hosts> {
  const why = hostsUnavailable();
  if (why) throw new Error(`harness/hosts.ts ${why}`);
  for (const h of hosts) if (!/^[a-z][a-z0-9]{0,4}$/.test(h) || h === SWITCH || h === ROOT_LINK) throw new Error(`bad host name ${JSON.stringify(h)}`);
  if (new Set(hosts).size !== hosts.length) throw new Error("host names must differ");
  cleanLeftovers();
  const id = randomBytes(3).toString("hex");
  const n = claimSubnet(id);
  const claimFile = join(STATE_DIR, `net-${n}.json`);
  const base = `${BLOCK[0]}.${BLOCK[1]}.${n}`;
  const ns = (h: string) => `${NAME_PREFIX}-${id}-${h}`;
  const link = (h: string) => `${NAME_PREFIX}${id}${h}`;
  /** The switch-side end of a host's veth. */
  const port = (h: string) => `${link(h)}b`;
  const addressOf = new Map(hosts.map((h, i) => [h, `${base}.${10 + i}`]));
  const cuts = new Map<string, CutKind>();

  let closed = false;
  const closeSync = () => {
    if (closed) return;
    closed = true;
    removeRun(id);
    rmSync(claimFile, { force: true });
    process.removeListener("exit", closeSync);
    for (const s of SIGNALS) process.removeListener(s, onSignal);
  };
  // A signal's default action would skip 'exit' handlers: clean up, then die of it as before.
  const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  const onSignal = (signal: NodeJS.Signals) => {
    closeSync();
    process.kill(process.pid, signal);
  };
  process.once("exit", closeSync);
  for (const s of SIGNALS) process.once(s, onSignal);

  const known = (h: string) => {
    if (!addressOf.has(h)) throw new Error(`no host ${h} on this network (hosts: ${hosts.join(", ")})`);
    return h;
  };
  try {
    await ip("netns", "add", ns(SWITCH));
    await ipv4Only(ns(SWITCH));
    await ip("-n", ns(SWITCH), "link", "set", "lo", "up");
    await ip("-n", ns(SWITCH), "link", "add", link(SWITCH), "type", "bridge");
    await ip("-n", ns(SWITCH), "link", "set", link(SWITCH), "up");
    for (const h of hosts) {
      await ip("netns", "add", ns(h));
      await ipv4Only(ns(h));
      await ip("-n", ns(h), "link", "set", "lo", "up");
      // Made inside the switch's namespace with the other end moved straight to the host's:
      // neither end ever appears in the root namespace.
      await ip("-n", ns(SWITCH), "link", "add", port(h), "type", "veth", "peer", "name", link(h), "netns", ns(h));
      await ip("-n", ns(SWITCH), "link", "set", port(h), "master", link(SWITCH), "up");
      await ip("-n", ns(h), "addr", "add", `${addressOf.get(h)}/24`, "dev", link(h));
      await ip("-n", ns(h), "link", "set", link(h), "up");
    }
    const local = link(ROOT_LINK);
    await ip("link", "add", local, "type", "veth", "peer", "name", port(ROOT_LINK), "netns", ns(SWITCH));
    // IPv4 only on our link too (a setting of that link alone, gone with it): IPv6 would also
    // give the root namespace a link-local route through it.
    writeFileSync(`/proc/sys/net/ipv6/conf/${local}/disable_ipv6`, "1");
    await ip("-n", ns(SWITCH), "link", "set", port(ROOT_LINK), "master", link(SWITCH), "up");
    await ip("addr", "add", `${base}.1/24`, "dev", local);
    await ip("link", "set", local, "up");
  } catch (err) {
    closeSync();
    throw err;
  }

  return {
    id,
    subnet: `${base}.0/24`,
    localAddress: `${base}.1`,
    address: (h) => addressOf.get(known(h))!,
    namespace: (h) => ns(known(h)),
    exec: (h) => ["ip", "netns", "exec", ns(known(h))],
    async cut(h, kind = "down") {
      if (cuts.has(known(h))) throw new Error(`${h} is already cut`);
      cuts.set(h, kind);
      if (kind === "down") await ip("-n", ns(h), "link", "set", link(h), "down");
      // 0 = disabled: the bridge forwards nothing from or to that port (with STP off, the only state it keeps).
      else await run("bridge", ["-n", ns(SWITCH), "link", "set", "dev", port(h), "state", "0"]);
    },
    async restore(h) {
      const kind = cuts.get(known(h));
      if (!kind) throw new Error(`${h} is not cut`);
      cuts.delete(h);
      if (kind === "down") await ip("-n", ns(h), "link", "set", link(h), "up");
      else await run("bridge", ["-n", ns(SWITCH), "link", "set", "dev", port(h), "state", "3"]);
    },
    async close() {
      closeSync();
    },
  };
}
