import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { projectRoot } from "../src/lib/project-root";
import { within, type LatencySummary } from "./stats";

/**
 * The parent's handle on the receiver process (receiver-child.ts). It runs in a process of its
 * own so that its CPU is not the harness's or the stack's, as a customer's endpoint would be.
 * It is started from dist/ (built with the stack), also when the harness itself runs from source.
 */
const CHILD = join(projectRoot(__dirname), "dist", "harness", "receiver-child.js");

export interface ReceiverStats {
  /** POSTs recorded (answered or set to hang). */
  requests: number;
  /** Distinct X-Webhook-Id values among them. */
  unique: number;
  duplicates: number;
  /** Epoch ms of the first and last arrival. */
  firstAt: number | null;
  lastAt: number | null;
  /** Arrivals inside [from, to], when asked. */
  inWindow: number;
  /** Ingest-to-arrival latency (ms) of the events that carried a send time. */
  latency: LatencySummary;
  /** Of those, arrival minus the time the API stored the event (the envelope's createdAt): the delivery engine's part. */
  sinceStored: LatencySummary;
}

/** How the receiver answers a POST. */
export type Answer =
  | { kind: "status"; status: number; headers?: Record<string, string> }
  /** 200 (or `status`), after `delayMs`. */
  | { kind: "slow"; delayMs: number; status?: number }
  /** Never answers. */
  | { kind: "hang" }
  /** 200 with a Content-Length, then the socket closes part-way through the body. */
  | { kind: "cut" }
  /** 200 with a body of `bytes`, streamed as fast as the client reads it. */
  | { kind: "huge"; bytes: number }
  /** 500 for `downMs`, then 200 for `upMs`, and again. */
  | { kind: "flap"; downMs: number; upMs: number };

/** A path's behaviour: `first` for the first POST of each delivery id (if set), `then` for the rest. */
export interface Behaviour {
  first?: Answer;
  then: Answer;
}

/** Every arrival of one tag, as columns: epoch ms, path, delivery id, event seq (-1 if none), 2xx sent (1/0), sender's address. */
export interface Arrivals {
  at: number[];
  paths: string[];
  ids: string[];
  seqs: number[];
  accepted: number[];
  from: string[];
}

export type ReceiverRequest =
  /** Replaces every path's behaviour; paths not named answer 200 at once. */
  | { type: "configure"; id: number; behaviours: Record<string, Behaviour> }
  /** `tag: "*"` counts every tag. */
  | { type: "stats"; id: number; tag: string; paths?: string[]; excludePaths?: string[]; from?: number; to?: number }
  | { type: "arrivals"; id: number; tag: string }
  | { type: "forget"; id: number; tag: string };

export type ReceiverReply = { type: "ready"; ports: number[] } | { type: "reply"; id: number; body: ReceiverStats | Arrivals | null };

type Distribute<T> = T extends unknown ? Omit<T, "id"> : never;

export interface ReceiverHandle {
  /** Base URLs of the first two origins (no trailing slash). */
  url: string;
  altUrl: string;
  /** Base URLs of every origin. */
  urls: string[];
  pid: number;
  /** POSTs to these paths are never answered; all others get 200 (replaces any behaviours). */
  setHanging(paths: string[]): Promise<void>;
  /** Replaces every path's behaviour; paths not named answer 200 at once. */
  setBehaviours(behaviours: Record<string, Behaviour>): Promise<void>;
  stats(q: Omit<Extract<ReceiverRequest, { type: "stats" }>, "type" | "id">): Promise<ReceiverStats>;
  arrivals(tag: string): Promise<Arrivals>;
  forget(tag: string): Promise<void>;
  close(): Promise<void>;
}

/** Where the receiver runs: on loopback by default, or on a host of harness/hosts.ts. */
export interface ReceiverPlacement {
  /** The address it listens on and its urls name. */
  host?: string;
  /** Put before its command line, e.g. `ip netns exec <ns>` to run it on another host. */
  command?: string[];
}

/** @param origins how many ports (origins) to listen on, at least 2 */
export async function startReceiver(origins = 2, place: ReceiverPlacement = {}): Promise<ReceiverHandle> {
  const host = place.host ?? "127.0.0.1";
  const [cmd, ...prefix] = [...(place.command ?? []), process.execPath];
  // spawn with an IPC channel rather than fork, so that a prefix can come first: the channel's
  // fd is inherited through `ip netns exec`, which execs the node process in place.
  const child: ChildProcess = spawn(cmd!, [...prefix, CHILD, String(origins), host], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const pending = new Map<number, (body: ReceiverStats | Arrivals | null) => void>();
  let nextId = 1;
  const ready = new Promise<number[]>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`receiver exited with code ${code}`)));
    child.on("message", (msg: ReceiverReply) => {
      if (msg.type === "ready") resolve(msg.ports);
      else pending.get(msg.id)?.(msg.body);
    });
  });
  const ports = await ready;
  const urls = ports.map((p) => `http://${host}:${p}`);

  const ask = (req: Distribute<ReceiverRequest>) =>
    new Promise<ReceiverStats | Arrivals | null>((resolve) => {
      const id = nextId++;
      pending.set(id, (body) => {
        pending.delete(id);
        resolve(body);
      });
      child.send({ ...req, id });
    });

  const configure = async (behaviours: Record<string, Behaviour>) => {
    await ask({ type: "configure", behaviours });
  };
  return {
    url: urls[0]!,
    altUrl: urls[1]!,
    urls,
    pid: child.pid!,
    setHanging: (paths) => configure(Object.fromEntries(paths.map((p) => [p, { then: { kind: "hang" } }]))),
    setBehaviours: configure,
    async stats(q) {
      return (await ask({ type: "stats", ...q })) as ReceiverStats;
    },
    async arrivals(tag) {
      return (await ask({ type: "arrivals", tag })) as Arrivals;
    },
    async forget(tag) {
      await ask({ type: "forget", tag });
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.disconnect();
      await within(exited, 2_000);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
