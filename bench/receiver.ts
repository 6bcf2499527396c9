import { fork, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { LatencySummary } from "./stats";

/**
 * The parent's handle on the receiver process (receiver-child.ts). It runs in a process of its
 * own so that its CPU is not the bench's or the stack's, as a customer's endpoint would be.
 */
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
}

export type ReceiverRequest =
  | { type: "configure"; id: number; hangPaths: string[] }
  /** `tag: "*"` counts every tag. */
  | { type: "stats"; id: number; tag: string; paths?: string[]; excludePaths?: string[]; from?: number; to?: number }
  | { type: "forget"; id: number; tag: string };

export type ReceiverReply = { type: "ready"; port: number; altPort: number } | { type: "reply"; id: number; body: ReceiverStats | null };

type Distribute<T> = T extends unknown ? Omit<T, "id"> : never;

export interface ReceiverHandle {
  /** Base URLs of the two origins (no trailing slash). */
  url: string;
  altUrl: string;
  pid: number;
  /** POSTs to these paths are never answered. */
  setHanging(paths: string[]): Promise<void>;
  stats(q: Omit<Extract<ReceiverRequest, { type: "stats" }>, "type" | "id">): Promise<ReceiverStats>;
  forget(tag: string): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<ReceiverHandle> {
  const child: ChildProcess = fork(join(__dirname, "receiver-child.js"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const pending = new Map<number, (body: ReceiverStats | null) => void>();
  let nextId = 1;
  const ready = new Promise<{ port: number; altPort: number }>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`receiver exited with code ${code}`)));
    child.on("message", (msg: ReceiverReply) => {
      if (msg.type === "ready") resolve(msg);
      else pending.get(msg.id)?.(msg.body);
    });
  });
  const { port, altPort } = await ready;

  const ask = (req: Distribute<ReceiverRequest>) =>
    new Promise<ReceiverStats | null>((resolve) => {
      const id = nextId++;
      pending.set(id, (body) => {
        pending.delete(id);
        resolve(body);
      });
      child.send({ ...req, id });
    });

  return {
    url: `http://127.0.0.1:${port}`,
    altUrl: `http://127.0.0.1:${altPort}`,
    pid: child.pid!,
    async setHanging(paths) {
      await ask({ type: "configure", hangPaths: paths });
    },
    async stats(q) {
      return (await ask({ type: "stats", ...q }))!;
    },
    async forget(tag) {
      await ask({ type: "forget", tag });
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.disconnect();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
