import type { Logger } from "../lib/logger";
import type { FairQueue } from "./fair-queue";

export interface AttemptsEndedOptions {
  /** Longest wait: an attempt ends within the delivery timeout, plus its settlement. */
  timeoutMs: number;
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * Resolves once every attempt holding one of the webhook's slots NOW has released it, or after
 * `timeoutMs`; answers whether they all did. Every attempt reads its delivery only while it
 * holds a slot (src/delivery/deliver.ts), so after a change committed (a delete), those that
 * take a slot later see it, and these are the only ones that may have read what was before.
 * Attempts that take a slot meanwhile are not waited for: they read after the change.
 */
export async function awaitAttemptsEnded(fair: Pick<FairQueue, "inFlightMembers">, webhookId: string, opts: AttemptsEndedOptions): Promise<boolean> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = opts.now ?? Date.now;
  const deadline = now() + opts.timeoutMs;
  const pending = new Set(await fair.inFlightMembers(webhookId));
  while (pending.size > 0) {
    if (now() >= deadline) return false;
    await sleep(opts.pollMs ?? 20);
    const holding = new Set(await fair.inFlightMembers(webhookId));
    // A member that let go and took a slot again (a job run again) reads again under it.
    for (const m of pending) if (!holding.has(m)) pending.delete(m);
  }
  return true;
}

/** Each reading of the slots waits at most this long: Redis down or hung tells nothing worth waiting for. */
const READ_TIMEOUT_MS = 1_000;

/**
 * awaitAttemptsEnded for a caller that has committed already and must answer anyway: bounded
 * even when Redis hangs (a hung connection answers nothing), and never failing; what it could
 * not see end is logged.
 */
export function attemptsEndedWaiter(fair: Pick<FairQueue, "inFlightMembers">, opts: { timeoutMs: number; logger: Logger }) {
  const bounded = { inFlightMembers: (webhookId: string) => within(fair.inFlightMembers(webhookId), READ_TIMEOUT_MS) };
  return async (webhookId: string): Promise<void> => {
    try {
      if (!(await awaitAttemptsEnded(bounded, webhookId, { timeoutMs: opts.timeoutMs }))) {
        opts.logger.warn({ webhookId, timeoutMs: opts.timeoutMs }, "the webhook's attempts under way did not end in time");
      }
    } catch (err) {
      opts.logger.warn({ webhookId, err: err instanceof Error ? err.message : String(err) }, "could not see the webhook's attempts under way end");
    }
  };
}

function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Redis in ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
