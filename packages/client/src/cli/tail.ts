import { isHookrelayError, type Attempt, type Hookrelay } from "../index";
import type { CommandContext } from "./context";
import { EXIT, type ExitCode } from "./exit";
import { jsonLine } from "./output";
import { AttemptWindow, chronological } from "./tail-window";
import { tailLine } from "./views";

/**
 * `deliveries tail`: the delivery log, live. The API has no account-wide feed of attempts, so
 * this polls each webhook's log (GET /v1/webhooks/:id/deliveries with `from`) every POLL_MS,
 * CONCURRENCY at a time, and re-lists the account's webhooks every RELIST_MS to pick up new
 * ones. A round costs one request per webhook: on accounts with hundreds, name the ones to
 * watch with --webhook.
 */
export const POLL_MS = 400;
const RELIST_MS = 10_000;
/** Pages of 100 read per webhook and round; a webhook busier than that is shown as far as this reaches. */
const MAX_PAGES = 5;
const CONCURRENCY = 8;

export interface TailFilters {
  webhookIds: string[];
  eventType?: string;
  outcome?: "success" | "failure";
}

interface Tracked {
  id: string;
  window: AttemptWindow<Attempt>;
}

export async function tailDeliveries(ctx: CommandContext, filters: TailFilters): Promise<ExitCode> {
  const hr = ctx.client();
  const stop = ctx.stopSignal();
  const startedAt = ctx.now().getTime();
  const named = filters.webhookIds.length > 0;
  const tracked = new Map<string, Tracked>();
  const track = (id: string) => tracked.set(id, { id, window: new AttemptWindow<Attempt>(startedAt) });

  // Named webhooks must exist (a typo is an error, not an empty stream).
  const ids = named ? await Promise.all(filters.webhookIds.map(async (id) => (await hr.webhooks.get(id)).id)) : await allWebhookIds(hr);
  ids.forEach(track);
  // What is already in the log is not news: read it once, print nothing.
  await eachLimited([...tracked.values()], (t) => poll(hr, t, filters));
  ctx.io.err(`tailing ${named ? ids.join(", ") : `${ids.length} webhook${ids.length === 1 ? "" : "s"} (all of the account's)`}; Ctrl-C to stop`);

  let listedAt = Date.now();
  let unreachableSince: number | null = null;
  while (!stop.aborted) {
    const roundStart = Date.now();
    try {
      if (!named && roundStart - listedAt >= RELIST_MS) {
        for (const id of await allWebhookIds(hr)) if (!tracked.has(id)) track(id);
        listedAt = roundStart;
      }
      const fresh = await raceStop(
        stop,
        eachLimited([...tracked.values()], async (t) => {
          try {
            return (await poll(hr, t, filters)).map((attempt) => ({ attempt, webhookId: t.id }));
          } catch (err) {
            // A webhook deleted while we watch it leaves the stream; unless it was asked for.
            if (!named && isHookrelayError(err) && err.status === 404) {
              tracked.delete(t.id);
              ctx.io.err(`${t.id} was deleted; no longer tailing it`);
              return [];
            }
            throw err;
          }
        }),
      );
      if (fresh === null) break;
      const byAttempt = new Map(fresh.flat().map((f) => [f.attempt, f.webhookId]));
      for (const attempt of chronological([...byAttempt.keys()])) {
        const webhookId = byAttempt.get(attempt)!;
        ctx.io.out(ctx.json ? jsonLine({ webhookId, ...attempt }) : tailLine(attempt, webhookId));
      }
      if (unreachableSince !== null) ctx.io.err("the API answers again");
      unreachableSince = null;
    } catch (err) {
      // Unreachable is weather: say so once and keep trying. Anything else the API says is final.
      if (!(isHookrelayError(err) && err.status === 0)) throw err;
      if (unreachableSince === null) ctx.io.err(`the API is unreachable (${err.message}); still trying`);
      unreachableSince ??= roundStart;
    }
    await sleep(Math.max(0, POLL_MS - (Date.now() - roundStart)), stop);
  }
  return EXIT.ok;
}

/** New attempts of one webhook since its window's `from`, newest-first pages until one has nothing new. */
async function poll(hr: Hookrelay, t: Tracked, f: TailFilters): Promise<Attempt[]> {
  const query = { limit: 100, from: t.window.from(), ...(f.eventType ? { eventType: f.eventType } : {}), ...(f.outcome ? { outcome: f.outcome } : {}) };
  const fresh: Attempt[] = [];
  let pages = 0;
  for await (const page of hr.webhooks.attempts(t.id, query).pages()) {
    const unseen = t.window.absorb(page.data);
    fresh.push(...unseen);
    if (unseen.length === 0 || ++pages >= MAX_PAGES) break;
  }
  t.window.prune();
  return fresh;
}

async function allWebhookIds(hr: Hookrelay): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of hr.webhooks.list({ limit: 100 })) ids.push(w.id);
  return ids;
}

/** `fn` over `items`, at most CONCURRENCY at once, results in the order of `items`. */
async function eachLimited<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  return results;
}

/** `work`'s result, or null as soon as `stop` fires (a poll stuck on a slow API must not hold up Ctrl-C). */
export function raceStop<T>(stop: AbortSignal, work: Promise<T>): Promise<T | null> {
  if (stop.aborted) return Promise.resolve(null);
  return new Promise<T | null>((resolve, reject) => {
    const onStop = () => resolve(null);
    stop.addEventListener("abort", onStop, { once: true });
    work.then(
      (v) => (stop.removeEventListener("abort", onStop), resolve(v)),
      (e: unknown) => (stop.removeEventListener("abort", onStop), reject(e)),
    );
  });
}

export function sleep(ms: number, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (stop.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      stop.removeEventListener("abort", done);
      resolve();
    }
    stop.addEventListener("abort", done, { once: true });
  });
}
