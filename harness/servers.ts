import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { childPids, signalAll } from "./procs";
import { freePort } from "./stack";
import { sleep } from "./stats";

/**
 * A Postgres and a Redis of the harness's own, in a fresh directory under /tmp, for the fault
 * suite: it stops, kills and restarts them, so they cannot be the servers other tests share.
 * As in scripts/lib/postgres.sh, Postgres runs as the `postgres` user when we are root
 * (initdb and postgres refuse root) and lives outside the checkout (which that user may not be
 * able to enter). Redis runs with AOF, as production must (BullMQ loses jobs otherwise).
 * Both listen on loopback, or each on a host of its own (harness/hosts.ts) when placed there.
 */
const run = promisify(execFile);

export interface PostgresServer {
  /** Superuser URL of the `postgres` database; stacks create their own databases from it. */
  url: string;
  port: number;
  readonly running: boolean;
  start(): Promise<void>;
  /** `fast` rolls back open transactions and disconnects everyone; `immediate` is a crash. */
  stop(mode?: "fast" | "immediate"): Promise<void>;
  /** SIGSTOPs every process of the server: connections still open, nothing answers (a hung host). */
  freeze(): void;
  thaw(): void;
  readonly frozen: boolean;
}

export interface RedisServer {
  url: string;
  port: number;
  readonly running: boolean;
  start(): Promise<void>;
  /** SIGTERM: Redis flushes the AOF and exits. SIGKILL: a crash; what the AOF had is what comes back. */
  stop(signal?: "SIGTERM" | "SIGKILL"): Promise<void>;
  /** SIGSTOP: the kernel still accepts connections and takes writes, nothing answers. */
  freeze(): void;
  thaw(): void;
  readonly frozen: boolean;
}

/** Where a server runs, when not on this host's loopback. */
export interface ServerPlacement {
  /** The address it listens on. */
  host: string;
  /** Put before its command lines: `ip netns exec <ns>` (hosts.ts `exec`). */
  command: string[];
  /** The CIDR its clients come from: Postgres trusts it (its default trusts loopback only). */
  clients: string;
}

export interface ServersOptions {
  postgres?: ServerPlacement;
  redis?: ServerPlacement;
}

const LOOPBACK: ServerPlacement = { host: "127.0.0.1", command: [], clients: "127.0.0.1/32" };

export interface Servers {
  dir: string;
  postgres: PostgresServer;
  redis: RedisServer;
  close(): Promise<void>;
}

const isRoot = () => process.getuid?.() === 0;

/** The Postgres bin dir: HOOKRELAY_PG_BIN, else the newest /usr/lib/postgresql/<v>/bin (Debian keeps it off PATH). */
export function postgresBinDir(): string {
  const fromEnv = process.env.HOOKRELAY_PG_BIN;
  if (fromEnv && existsSync(join(fromEnv, "initdb"))) return fromEnv;
  const base = "/usr/lib/postgresql";
  const versions = existsSync(base) ? readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(base, v, "bin", "initdb"))) return join(base, v, "bin");
  throw new Error("Postgres binaries not found: set HOOKRELAY_PG_BIN or install postgresql (npm test installs it when root)");
}

/** The command line that runs a Postgres binary as its owner, on its host. */
function asOwnerArgv(place: ServerPlacement, bin: string, args: string[]): [string, string[]] {
  const [cmd, ...argv] = [...place.command, ...(isRoot() ? ["runuser", "-u", "postgres", "--"] : []), bin, ...args];
  return [cmd!, argv];
}

/** Runs a Postgres binary as its owner, from `/` so that no unreadable cwd gets in the way. */
async function asOwner(place: ServerPlacement, bin: string, args: string[]): Promise<void> {
  const [cmd, argv] = asOwnerArgv(place, bin, args);
  await run(cmd, argv, { cwd: "/" });
}

async function createPostgres(dir: string, place: ServerPlacement): Promise<PostgresServer & { kill(): void }> {
  const bin = postgresBinDir();
  const data = join(dir, "pg");
  mkdirSync(data, { mode: 0o700 });
  if (isRoot()) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString());
    chownSync(data, uid, gid);
  }
  const port = await freePort();
  // Throwaway data and no password: trust on loopback only.
  await asOwner(place, join(bin, "initdb"), ["-D", data, "-U", "hookrelay", "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync"]);
  appendFileSync(
    join(data, "postgresql.conf"),
    [
      "",
      "# the fault suite's throwaway server",
      `listen_addresses = '${place.host}'`,
      `port = ${port}`,
      `unix_socket_directories = '${data.length > 80 ? "" : data}'`,
      "max_connections = 300",
      "fsync = off",
      "synchronous_commit = off",
      "full_page_writes = off",
      "",
    ].join("\n"),
  );
  if (place.clients !== LOOPBACK.clients) appendFileSync(join(data, "pg_hba.conf"), `host all all ${place.clients} trust\n`);
  const pgCtl = join(bin, "pg_ctl");
  let up = false;
  let frozen: number[] = [];
  // Backends and helpers are the postmaster's children, each in a session of its own.
  const processes = () => {
    const postmaster = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
    return [postmaster, ...childPids(postmaster)];
  };
  const thaw = () => {
    signalAll(frozen, "SIGCONT");
    frozen = [];
  };
  return {
    url: `postgresql://hookrelay@${place.host}:${port}/postgres`,
    port,
    get running() {
      return up;
    },
    async start() {
      await asOwner(place, pgCtl, ["start", "-D", data, "-l", join(data, "server.log"), "-w", "-t", "60", "-s"]);
      up = true;
    },
    async stop(mode = "fast") {
      await asOwner(place, pgCtl, ["stop", "-D", data, "-m", mode, "-w", "-t", "60", "-s"]);
      up = false;
    },
    get frozen() {
      return frozen.length > 0;
    },
    freeze() {
      frozen = processes();
      signalAll(frozen, "SIGSTOP");
    },
    thaw,
    kill() {
      thaw();
      if (!up) return;
      up = false;
      const argv = ["stop", "-D", data, "-m", "immediate", "-w", "-t", "10", "-s"];
      try {
        execFileSync(...asOwnerArgv(place, pgCtl, argv), { cwd: "/", stdio: "ignore" });
      } catch {
        // Already gone.
      }
    },
  };
}

/** True once Redis answers PING on `host:port`. */
function pings(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (d) => done(d.toString().startsWith("+PONG")));
  });
}

async function createRedis(dir: string, place: ServerPlacement): Promise<RedisServer & { kill(): void }> {
  const data = join(dir, "redis");
  mkdirSync(data);
  const port = await freePort();
  let child: ChildProcess | null = null;
  let frozen = false;
  let exited: Promise<void> = Promise.resolve();
  const thaw = () => {
    if (frozen) child?.kill("SIGCONT");
    frozen = false;
  };
  const args = [
    "--port", String(port), "--bind", place.host, "--dir", data, "--daemonize", "no", "--logfile", join(data, "redis.log"),
    "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--maxmemory-policy", "noeviction",
    // Without a password Redis answers only loopback clients; a placed one's are on its private network.
    ...(place === LOOPBACK ? [] : ["--protected-mode", "no"]),
  ];
  return {
    url: `redis://${place.host}:${port}`,
    port,
    get running() {
      return child !== null;
    },
    async start() {
      if (child) throw new Error("redis is already running");
      // By name, also after a prefix: Debian's redis-server is a multi-call binary that picks its role from argv[0].
      const [cmd, ...argv] = [...place.command, "redis-server", ...args];
      const c = spawn(cmd!, argv, { stdio: "ignore" });
      child = c;
      exited = new Promise((resolve) =>
        c.once("exit", () => {
          child = null;
          resolve();
        }),
      );
      for (let i = 0; i < 200; i++) {
        if (await pings(place.host, port)) return;
        if (!child) break;
        await sleep(50);
      }
      throw new Error(`redis-server did not start on port ${port} (log: ${join(data, "redis.log")})`);
    },
    async stop(signal = "SIGTERM") {
      child?.kill(signal);
      thaw();
      await exited;
    },
    get frozen() {
      return frozen;
    },
    freeze() {
      frozen = child?.kill("SIGSTOP") ?? false;
    },
    thaw,
    kill() {
      child?.kill("SIGKILL");
    },
  };
}

/** Creates the directory, starts both servers (each where `opts` places it); `close()` stops them and removes it all. */
export async function startServers(opts: ServersOptions = {}): Promise<Servers> {
  const dir = mkdtempSync(join(tmpdir(), "hookrelay-faults-"));
  // mkdtemp makes it 700; the postgres user must be able to enter it to reach its data dir.
  chmodSync(dir, 0o755);
  const postgres = await createPostgres(dir, opts.postgres ?? LOOPBACK);
  const redis = await createRedis(dir, opts.redis ?? LOOPBACK);
  const killAll = () => {
    redis.kill();
    postgres.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  // Nothing started here may outlive the process, however it ends.
  process.once("exit", killAll);
  try {
    await postgres.start();
    await redis.start();
  } catch (err) {
    killAll();
    throw err;
  }
  return {
    dir,
    postgres,
    redis,
    async close() {
      await redis.stop("SIGTERM").catch(() => undefined);
      killAll();
      process.removeListener("exit", killAll);
    },
  };
}
