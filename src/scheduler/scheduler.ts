import type { Logger } from "../lib/logger";
import { microBatch } from "../lib/micro-batch";
import type { FairQueue, Handout } from "./fair-queue";
import type { Dispatched, Slot, Ticket } from "./tickets";

/**
 * The scheduler as the rest of the code sees it: queue tickets, release slots, and keep the
 * clock going. What the fair queue dispatches is handed to `publish` (BullMQ jobs, in the
 * composition root). Concurrent callers share one script call and one publish.
 */
export type Publish = (dispatched: Dispatched[]) => Promise<void>;

export interface Scheduler {
  /** Queues tickets; resolves once they are in Redis and what that dispatched is published. */
  enqueue(tickets: Ticket[]): Promise<void>;
  /** The same, alone (not batched with other callers), answering how many were not queued yet. */
  restore(tickets: Ticket[]): Promise<number>;
  /**
   * Frees a finished attempt's slot; `next` (a retry, say) is queued in the same step. With
   * `continueAs` (the running job's "<id>|<lock token>"), resolves to the ticket that job is to
   * go on with, if the scheduler grants one: the next in fair order, taken straight from the
   * freed slot instead of through the queue.
   */
  release(done: Slot, next?: Ticket, continueAs?: string): Promise<Dispatched | null>;
  /** For an attempt that runs again: whether it may go (it holds a slot) or went back in line. */
  reacquire(ticket: Ticket): Promise<boolean>;
  /** Wakes timers, dispatches and reconciles on a clock of its own; resolves to a stop function. */
  startClock(opts: ClockOptions): () => Promise<void>;
}

export interface ClockOptions {
  /** Longest sleep between ticks when nothing is due sooner. */
  idleMs: number;
  /** How often to look for dispatches that never became jobs, and how old they must be. */
  reconcileEveryMs: number;
  reconcileAfterMs: number;
  /** Called (once per tick) while Redis holds no epoch: it lost our state. */
  onEpochMissing(): void;
}

export interface SchedulerDeps {
  fair: FairQueue;
  publish: Publish;
  logger: Logger;
  now?: () => number;
}

/** Shortest sleep: a timer due "now" still waits this long, so a busy clock cannot spin. */
const MIN_SLEEP_MS = 5;

/** How long the clock sleeps: until the next ticket comes due, within [5 ms, idleMs]. */
export function sleepBeforeTick(nextDueAt: number | null, now: number, idleMs: number): number {
  if (nextDueAt === null) return idleMs;
  return Math.min(idleMs, Math.max(MIN_SLEEP_MS, nextDueAt - now));
}

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const now = deps.now ?? Date.now;
  let wake: ((at: number) => void) | null = null;

  // A failed publish leaves dispatched tickets without jobs; reconcile queues them again.
  const hand = async (h: Handout) => {
    if (h.nextDueAt !== null) wake?.(h.nextDueAt);
    if (h.dispatched.length === 0) return;
    await deps.publish(h.dispatched).catch((err: unknown) => {
      deps.logger.warn({ err: message(err), count: h.dispatched.length }, "publishing dispatched deliveries failed; reconcile will queue them again");
    });
  };

  const enqueue = microBatch<Ticket[], void>({
    maxSize: 100,
    maxConcurrent: 4,
    async run(lists) {
      await hand(await deps.fair.enqueue(lists.flat()));
      return lists.map(() => undefined);
    },
  });
  const release = microBatch<{ done: Slot; next?: Ticket; continueAs?: string }, Dispatched | null>({
    maxSize: 200,
    maxConcurrent: 4,
    async run(items) {
      const next = items.flatMap((i) => (i.next ? [i.next] : []));
      const h = await deps.fair.release(
        items.map((i) => ({ ...i.done, continueAs: i.continueAs })),
        next,
      );
      await hand(h);
      return h.continuations;
    },
  });

  return {
    enqueue: (tickets) => (tickets.length === 0 ? Promise.resolve() : enqueue(tickets)),
    async restore(tickets) {
      const h = await deps.fair.enqueue(tickets);
      await hand(h);
      return h.added;
    },
    release: (done, next, continueAs) => release({ done, next, continueAs }),
    reacquire: (ticket) => deps.fair.reacquire(ticket),
    startClock(opts) {
      let stopped = false;
      let timer: NodeJS.Timeout | null = null;
      let wakeAt = Infinity;
      let running: Promise<void> | null = null;
      let again = false;
      let nextReconcile = now() + opts.reconcileEveryMs;
      let lastWarn = 0;

      const schedule = (at: number) => {
        if (stopped || at >= wakeAt) return;
        if (timer) clearTimeout(timer);
        wakeAt = at;
        timer = setTimeout(fire, Math.max(MIN_SLEEP_MS, at - now()));
      };
      // One tick at a time; a wake-up that comes while one runs makes it run once more.
      const fire = () => {
        timer = null;
        wakeAt = Infinity;
        if (running) {
          again = true;
          return;
        }
        running = tick().finally(() => {
          running = null;
          if (again) {
            again = false;
            schedule(now());
          }
        });
      };
      const tick = async () => {
        let next: number | null = null;
        try {
          const t = await deps.fair.tick();
          if (!t.epochPresent) opts.onEpochMissing();
          if (t.reaped > 0) deps.logger.warn({ reaped: t.reaped }, "a worker's heartbeat stopped: its jobs handed to the stall check, its continued deliveries queued again");
          next = t.nextDueAt;
          await hand(t);
          if (now() >= nextReconcile) {
            nextReconcile = now() + opts.reconcileEveryMs;
            const n = await deps.fair.reconcile(opts.reconcileAfterMs, 1_000);
            if (n > 0) deps.logger.warn({ requeued: n }, "queued again deliveries that were dispatched but never became jobs");
          }
        } catch (err) {
          // Redis away: keep trying at the idle pace, and say so now and then, not every tick.
          if (now() - lastWarn > 30_000) {
            lastWarn = now();
            deps.logger.warn({ err: message(err) }, "scheduler tick failed");
          }
        }
        schedule(now() + sleepBeforeTick(next, now(), opts.idleMs));
      };
      wake = (at) => schedule(at);
      schedule(now());
      return async () => {
        stopped = true;
        wake = null;
        if (timer) clearTimeout(timer);
        await running;
      };
    },
  };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
