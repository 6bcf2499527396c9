import type { Redis } from "ioredis";
import { ENQUEUE, RECONCILE, REACQUIRE, RELEASE, TICK } from "./lua";
import type { Dispatched, Slot, Ticket } from "./tickets";

/**
 * The fair scheduler's state in Redis (lua.ts): per-webhook lines of tickets, in-flight slots,
 * and the rings it serves them from. Every call is one script, atomic across processes; each
 * answers what it dispatched, for the caller to turn into jobs.
 */
export interface FairQueueOptions {
  /** Our keys' prefix, `<queue prefix>:fair`. */
  prefix: string;
  /** The BullMQ queue's key prefix, `<queue prefix>:<queue name>`: its wait list and job keys. */
  bullPrefix: string;
  /** Slots per webhook: attempts dispatched and not released, across every process. */
  cap: number;
  /** Dispatching stops while BullMQ's wait list holds this many jobs. */
  ahead: number;
  now: () => number;
  /**
   * In a worker process: its name and how many of its slots are free now, told to the
   * scheduler with every call, which dispatches jobs only for free slots. Absent elsewhere.
   */
  worker?: { id: string; freeSlots(): number };
}

export interface Handout {
  dispatched: Dispatched[];
  /** When the earliest ticket not yet due comes due (epoch ms), if any. */
  nextDueAt: number | null;
}

/** A slot to free; with `continueAs` (its job's "<id>|<lock token>"), that job asks to go on with the next ticket itself. */
export interface Freed extends Slot {
  continueAs?: string;
}

export interface FairQueue {
  /** Queues tickets (each attempt once: one already waiting, in flight or a job is left alone), then dispatches. */
  enqueue(tickets: Ticket[]): Promise<Handout & { added: number }>;
  /**
   * Frees the slots of finished attempts and queues those that follow them, in one step; then
   * dispatches. `continuations[i]` is the ticket `done[i]`'s job goes on with, if it asked and
   * was granted one (see lua.ts, RELEASE).
   */
  release(done: Freed[], next: Ticket[]): Promise<Handout & { added: number; continuations: (Dispatched | null)[] }>;
  /**
   * Takes back what dead workers held (see lua.ts, reap), wakes webhooks whose first ticket came
   * due, then dispatches; says whether the epoch key is there and how many jobs and continued
   * tickets of dead workers it took back.
   */
  tick(): Promise<Handout & { epochPresent: boolean; reaped: number }>;
  /** For an attempt that runs again: true if it holds a slot (kept or retaken), false if it went back in line. */
  reacquire(ticket: Ticket): Promise<boolean>;
  /** Frees slots of dispatches older than `olderThanMs` that never became jobs, and queues them again. */
  reconcile(olderThanMs: number, limit: number): Promise<number>;
  /** From now on, every call tells the scheduler this worker's free slots (null: this process runs no worker). */
  setWorker(worker: { id: string; freeSlots(): number } | null): void;
  /**
   * This worker process is alive for `ttlMs` more: its liveness key, whose BullMQ worker id
   * (the prefix of its jobs' lock tokens) lets the scheduler take back what a dead one held.
   */
  heartbeat(workerId: string, bullWorkerId: string, ttlMs: number): Promise<void>;
  /** This worker is stopping: its free slots no longer count. */
  leave(workerId: string): Promise<void>;
  /** This worker stopped with nothing in flight: no heartbeat is to be expected from it, nor anything reaped. */
  forget(workerId: string): Promise<void>;
  /** A webhook's tickets waiting and slots taken, as they stand. */
  webhookState(webhookId: string): Promise<{ waiting: number; inFlight: number }>;
  /** The members (attempts) holding a webhook's slots now: at most the cap. */
  inFlightMembers(webhookId: string): Promise<string[]>;
  /**
   * Slots taken across every webhook: one ZCARD of P:released, which holds exactly one entry
   * per slot taken (takeSlot adds it, freeSlot removes it), rather than a walk over the P:f sets.
   */
  inFlightTotal(): Promise<number>;
  /** The epoch: a marker whose absence means Redis lost our state (see delivery/recovery.ts). */
  readEpoch(): Promise<string | null>;
  writeEpoch(value: string): Promise<void>;
}

/** Tickets per script call: a script blocks Redis while it runs, so long lists go in slices. */
const SLICE = 500;
/** Timers woken per tick at most; the rest wake on the next one. */
const WAKE_PER_TICK = 1_000;

type Reply = (number | string)[];
type Scripted = Redis & Record<"hrFairEnqueue" | "hrFairRelease" | "hrFairTick" | "hrFairReacquire" | "hrFairReconcile", (...args: (string | number)[]) => Promise<Reply | number>>;

const COMMANDS = { hrFairEnqueue: ENQUEUE, hrFairRelease: RELEASE, hrFairTick: TICK, hrFairReacquire: REACQUIRE, hrFairReconcile: RECONCILE };

export function createFairQueue(redis: Redis, opts: FairQueueOptions): FairQueue {
  // Defined commands go by EVALSHA: the script's hash, not its text, on every call.
  for (const [name, lua] of Object.entries(COMMANDS)) if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 0, lua });
  const r = redis as Scripted;
  let worker = opts.worker ?? null;
  const common = () => [opts.prefix, opts.bullPrefix, opts.now(), opts.cap, opts.ahead, worker?.id ?? "", worker ? Math.max(0, worker.freeSlots()) : 0];
  const flat = (tickets: Ticket[]) => tickets.flatMap((t) => [t.member, t.webhookId, t.accountId, Math.round(t.dueAt)]);

  async function inSlices(tickets: Ticket[], call: (slice: Ticket[], first: boolean) => Promise<Reply>) {
    const out = { added: 0, dispatched: [] as Dispatched[], nextDueAt: null as number | null, continued: [] as [number, Dispatched][] };
    for (let i = 0; i === 0 || i < tickets.length; i += SLICE) {
      const reply = await call(tickets.slice(i, i + SLICE), i === 0);
      const h = handout(reply);
      out.added += Number(reply[0]);
      out.dispatched.push(...h.dispatched);
      out.continued.push(...h.continued);
      out.nextDueAt = h.nextDueAt;
    }
    return out;
  }

  return {
    async enqueue(tickets) {
      const { continued: _, ...h } = await inSlices(tickets, async (slice) => (await r.hrFairEnqueue(...common(), slice.length, ...flat(slice))) as Reply);
      return h;
    },
    async release(done, next) {
      // The slots go with the first slice; further slices only queue.
      const { continued, ...h } = await inSlices(next, async (slice, first) => {
        const freed = first ? done : [];
        return (await r.hrFairRelease(...common(), freed.length, ...freed.flatMap((d) => [d.member, d.webhookId, d.continueAs ?? ""]), slice.length, ...flat(slice))) as Reply;
      });
      const continuations: (Dispatched | null)[] = done.map(() => null);
      for (const [position, d] of continued) continuations[position - 1] = d;
      return { ...h, continuations };
    },
    async tick() {
      const reply = (await r.hrFairTick(...common(), WAKE_PER_TICK)) as Reply;
      const { continued: _, ...h } = handout(reply);
      const [epoch, reaped] = reply[0] as unknown as [number, number];
      return { ...h, epochPresent: epoch === 1, reaped };
    },
    async reacquire(t) {
      return (await r.hrFairReacquire(...common(), t.member, t.webhookId, t.accountId, Math.round(t.dueAt))) === 1;
    },
    async reconcile(olderThanMs, limit) {
      return Number(await r.hrFairReconcile(...common(), olderThanMs, limit));
    },
    setWorker(w) {
      worker = w;
    },
    async heartbeat(workerId, bullWorkerId, ttlMs) {
      await redis.multi().set(`${opts.prefix}:live:${workerId}`, "1", "PX", ttlMs).hset(`${opts.prefix}:lives`, workerId, `${bullWorkerId}|${ttlMs}`).exec();
    },
    async leave(workerId) {
      await redis.multi().zrem(`${opts.prefix}:workers`, workerId).hdel(`${opts.prefix}:idle`, workerId).exec();
    },
    async forget(workerId) {
      await redis.multi().hdel(`${opts.prefix}:lives`, workerId).del(`${opts.prefix}:live:${workerId}`).exec();
    },
    async webhookState(webhookId) {
      const [waiting, inFlight] = await Promise.all([redis.zcard(`${opts.prefix}:q:${webhookId}`), redis.zcard(`${opts.prefix}:f:${webhookId}`)]);
      return { waiting, inFlight };
    },
    inFlightMembers: (webhookId) => redis.zrange(`${opts.prefix}:f:${webhookId}`, 0, -1),
    inFlightTotal: () => redis.zcard(`${opts.prefix}:released`),
    readEpoch: () => redis.get(`${opts.prefix}:epoch`),
    async writeEpoch(value) {
      await redis.set(`${opts.prefix}:epoch`, value);
    },
  };
}

/** [_, next timer or -1, c, c × (position, member, webhook, account), then member, webhook, account of each dispatched] */
function handout(reply: Reply): Handout & { continued: [number, Dispatched][] } {
  const ticket = (i: number): Dispatched => ({ member: String(reply[i]), webhookId: String(reply[i + 1]), accountId: String(reply[i + 2]) });
  const c = Number(reply[2]);
  const continued: [number, Dispatched][] = [];
  for (let k = 0; k < c; k++) continued.push([Number(reply[3 + 4 * k]), ticket(4 + 4 * k)]);
  const dispatched: Dispatched[] = [];
  for (let i = 3 + 4 * c; i + 2 < reply.length; i += 3) dispatched.push(ticket(i));
  const next = Number(reply[1]);
  return { dispatched, continued, nextDueAt: next >= 0 ? next : null };
}
