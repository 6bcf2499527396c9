import { createHosts, type Hosts } from "./hosts";
import { startReceiver, type ReceiverHandle } from "./receiver";
import { startServers, type ServerPlacement, type Servers } from "./servers";
import { startStack, type Stack } from "./stack";

/**
 * The whole deployment with a host per part, on a private network of harness/hosts.ts:
 * Postgres on `pg`, Redis on `redis`, the API on `api`, delivery worker N on `wN`, the receiver
 * on `rx`. The test process reaches the API, Postgres, Redis and the receiver over that
 * network, so that any host's link can be cut while the others keep talking.
 */
export interface HostStackOptions {
  /** Names the database and the queue prefix. */
  name: string;
  /** How many worker hosts (w1…wN) to make; `stack.startWorkers` starts their processes. */
  workerHosts: number;
  /** Jobs per worker process at once. */
  concurrency: number;
  env?: Record<string, string>;
  logDir?: string | null;
}

export interface HostStack {
  hosts: Hosts;
  servers: Servers;
  receiver: ReceiverHandle;
  stack: Stack;
  /** Stops every process, then removes the network. Idempotent. */
  close(): Promise<void>;
}

/** The host a stack process runs on: "api" → api, "worker2" → w2. */
export function hostOfProcess(process: string): string {
  if (process === "api") return "api";
  const n = /^worker(\d+)$/.exec(process)?.[1];
  if (!n) throw new Error(`no host for process ${process}`);
  return `w${n}`;
}

export async function startHostStack(opts: HostStackOptions): Promise<HostStack> {
  const workerHosts = Array.from({ length: opts.workerHosts }, (_, i) => `w${i + 1}`);
  const hosts = await createHosts(["pg", "redis", "api", ...workerHosts, "rx"]);
  const place = (h: string): ServerPlacement => ({ host: hosts.address(h), command: hosts.exec(h), clients: hosts.subnet });
  let servers: Servers | null = null;
  let receiver: ReceiverHandle | null = null;
  let stack: Stack | null = null;
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      // Each part even if another fails to stop: the network's removal kills what is left.
      await stack?.stop().catch(() => undefined);
      await receiver?.close().catch(() => undefined);
      await servers?.close().catch(() => undefined);
      await hosts.close();
    })());
  try {
    servers = await startServers({ postgres: place("pg"), redis: place("redis") });
    receiver = await startReceiver(2, { host: hosts.address("rx"), command: hosts.exec("rx") });
    stack = await startStack({
      name: opts.name,
      adminDatabaseUrl: servers.postgres.url,
      redisUrl: servers.redis.url,
      concurrency: opts.concurrency,
      logDir: opts.logDir,
      // The SSRF guard refuses private addresses unless allowed: the receiver is on one.
      env: { ...opts.env, HOOKRELAY_EGRESS_ALLOW_CIDRS: hosts.subnet },
      commandPrefix: (p) => hosts.exec(hostOfProcess(p)),
      apiHost: hosts.address("api"),
    });
  } catch (err) {
    await close();
    throw err;
  }
  return { hosts, servers, receiver, stack, close };
}
