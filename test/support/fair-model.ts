import type { Dispatched, Slot, Ticket } from "../../src/scheduler/tickets";

/**
 * The scheduling rule of src/scheduler/lua.ts written out in plain TypeScript, state in maps:
 * the oracle the Lua is held to (test/integration/fair-queue.test.ts runs both on the same
 * operations and compares every dispatch) and what the rule's own unit tests run on, in
 * milliseconds. Sorted sets order by score, then by member, as Redis does.
 *
 * BullMQ is two things here: `jobs` (which job ids exist) and `waitLength` (jobs no worker took
 * yet), both the test's to move.
 */
type ZSet = Map<string, number>;

function first(z: ZSet | undefined): [string, number] | undefined {
  let best: [string, number] | undefined;
  for (const [m, s] of z ?? []) if (!best || s < best[1] || (s === best[1] && m < best[0])) best = [m, s];
  return best;
}

export class FairModel {
  readonly waiting = new Map<string, ZSet>();
  readonly flying = new Map<string, ZSet>();
  readonly hooks = new Map<string, { a: string; s?: number }>();
  readonly rings = new Map<string, ZSet>();
  readonly accounts: ZSet = new Map();
  readonly served = new Map<string, number>();
  readonly timers: ZSet = new Map();
  readonly released: ZSet = new Map();
  readonly holders = new Map<string, string>();
  readonly jobs = new Set<string>();
  /** BullMQ's lock of each running job: job id -> its run's token. */
  readonly locks = new Map<string, string>();
  waitLength = 0;
  /** Worker processes as last heard from: free slots, and when. */
  readonly workers = new Map<string, { free: number; at: number }>();
  /** The caller, if a worker: it reports its free slots with every call. */
  worker: { id: string; free: number } | null = { id: "model-worker", free: 1_000_000 };
  private seq = 0;

  constructor(
    readonly cap: number,
    readonly ahead: number,
  ) {}

  private heard(now: number) {
    if (this.worker) this.workers.set(this.worker.id, { free: this.worker.free, at: now });
  }

  private freeSlots(now: number): number {
    let total = 0;
    for (const w of this.workers.values()) if (w.at >= now - 15_000) total += w.free;
    return total;
  }

  enqueue(tickets: Ticket[], now: number): { added: number; dispatched: Dispatched[]; nextDueAt: number | null } {
    this.heard(now);
    const touched = new Set<string>();
    let added = 0;
    for (const t of tickets) {
      added += this.queue(t);
      touched.add(t.webhookId);
    }
    for (const wh of touched) this.place(wh, now);
    return { added, dispatched: this.dispatch(now), nextDueAt: this.nextTimer() };
  }

  release(done: (Slot & { continueAs?: string })[], next: Ticket[], now: number) {
    this.heard(now);
    const touched = new Set<string>();
    const wanting: [number, string][] = [];
    done.forEach((d, i) => {
      this.freeSlot(d.webhookId, d.member);
      touched.add(d.webhookId);
      if (d.continueAs && this.holds(d.continueAs)) wanting.push([i, d.continueAs]);
    });
    let added = 0;
    for (const t of next) {
      added += this.queue(t);
      touched.add(t.webhookId);
    }
    for (const wh of touched) this.place(wh, now);
    const continuations: (Dispatched | null)[] = done.map(() => null);
    if (wanting.length > 0 && this.waitLength === 0) {
      for (const [i, holder] of wanting) {
        const d = this.pick(now);
        if (!d) break;
        this.holders.set(d.member, holder);
        continuations[i] = d;
      }
    }
    return { added, continuations, dispatched: this.dispatch(now), nextDueAt: this.nextTimer() };
  }

  tick(now: number) {
    this.heard(now);
    for (const [id, w] of this.workers) if (w.at < now - 60_000) this.workers.delete(id);
    const due = [...this.timers].filter(([, s]) => s <= now).sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
    for (const [wh] of due.slice(0, 1_000)) this.place(wh, now);
    return { dispatched: this.dispatch(now), nextDueAt: this.nextTimer() };
  }

  reacquire(t: Ticket, now: number): boolean {
    this.heard(now);
    if (this.flying.get(t.webhookId)?.has(t.member)) return true;
    this.hook(t.webhookId).a = t.accountId;
    if ((this.flying.get(t.webhookId)?.size ?? 0) < this.cap) {
      this.takeSlot(t.webhookId, t.member, now);
      this.place(t.webhookId, now);
      return true;
    }
    this.zset(this.waiting, t.webhookId).set(t.member, t.dueAt);
    this.place(t.webhookId, now);
    return false;
  }

  reconcile(olderThanMs: number, limit: number, now: number): number {
    this.heard(now);
    let requeued = 0;
    const old = [...this.released].filter(([, s]) => s <= now - olderThanMs).sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
    for (const [e] of old.slice(0, limit)) {
      const [wh, m] = [e.slice(0, e.indexOf("|")), e.slice(e.indexOf("|") + 1)];
      const holder = this.holders.get(m);
      const running = holder ? this.holds(holder) : this.jobs.has(m);
      if (running) this.released.set(e, now);
      else {
        this.freeSlot(wh, m);
        if (this.hooks.has(wh)) {
          this.zset(this.waiting, wh).set(m, now - olderThanMs);
          requeued++;
        }
        this.place(wh, now);
      }
    }
    return requeued;
  }

  private holds(holder: string): boolean {
    const bar = holder.indexOf("|");
    return bar >= 0 && this.locks.get(holder.slice(0, bar)) === holder.slice(bar + 1);
  }

  inFlight(webhookId: string): number {
    return this.flying.get(webhookId)?.size ?? 0;
  }

  private queue(t: Ticket): number {
    if (this.waiting.get(t.webhookId)?.has(t.member) || this.flying.get(t.webhookId)?.has(t.member) || this.jobs.has(t.member)) return 0;
    this.hook(t.webhookId).a = t.accountId;
    this.zset(this.waiting, t.webhookId).set(t.member, t.dueAt);
    return 1;
  }

  private place(wh: string, now: number): void {
    const meta = this.hooks.get(wh);
    if (!meta) return;
    const head = first(this.waiting.get(wh));
    const busy = this.flying.get(wh)?.size ?? 0;
    const ready = !!head && busy < this.cap && head[1] <= now;
    const sleeping = !!head && busy < this.cap && head[1] > now;
    if (sleeping) this.timers.set(wh, head![1]);
    else this.timers.delete(wh);
    const ring = this.zset(this.rings, meta.a);
    if (ready) {
      if (!ring.has(wh)) {
        ring.set(wh, meta.s ?? 0);
        if (!this.accounts.has(meta.a)) this.accounts.set(meta.a, this.served.get(meta.a) ?? 0);
      }
    } else if (ring.delete(wh) && ring.size === 0) this.accounts.delete(meta.a);
    if (ring.size === 0) this.rings.delete(meta.a);
    if (!head && busy === 0) this.hooks.delete(wh);
  }

  private pick(now: number): Dispatched | null {
    for (let guard = 0; guard < 64; guard++) {
      const acc = first(this.accounts)?.[0];
      if (acc === undefined) return null;
      const ring = this.rings.get(acc);
      const wh = first(ring)?.[0];
      if (wh === undefined) {
        this.accounts.delete(acc);
        continue;
      }
      const head = first(this.waiting.get(wh));
      if (head && head[1] <= now && (this.flying.get(wh)?.size ?? 0) < this.cap) {
        this.waiting.get(wh)!.delete(head[0]);
        if (this.waiting.get(wh)!.size === 0) this.waiting.delete(wh);
        this.takeSlot(wh, head[0], now);
        const s = ++this.seq;
        this.hook(wh).s = s;
        this.served.set(acc, s);
        ring!.set(wh, s);
        this.accounts.set(acc, s);
        this.place(wh, now);
        return { member: head[0], webhookId: wh, accountId: acc };
      }
      ring!.delete(wh);
      if (ring!.size === 0) {
        this.rings.delete(acc);
        this.accounts.delete(acc);
      }
      this.place(wh, now);
    }
    return null;
  }

  private dispatch(now: number): Dispatched[] {
    const out: Dispatched[] = [];
    for (let budget = Math.min(this.ahead, this.freeSlots(now)) - this.waitLength; budget > 0; budget--) {
      const d = this.pick(now);
      if (!d) break;
      out.push(d);
    }
    return out;
  }

  private nextTimer(): number | null {
    return first(this.timers)?.[1] ?? null;
  }

  private takeSlot(wh: string, m: string, now: number) {
    this.zset(this.flying, wh).set(m, now);
    this.released.set(`${wh}|${m}`, now);
  }

  private freeSlot(wh: string, m: string) {
    this.released.delete(`${wh}|${m}`);
    this.holders.delete(m);
    const f = this.flying.get(wh);
    f?.delete(m);
    if (f?.size === 0) this.flying.delete(wh);
  }

  private hook(wh: string) {
    let h = this.hooks.get(wh);
    if (!h) this.hooks.set(wh, (h = { a: "" }));
    return h;
  }

  private zset(m: Map<string, ZSet>, key: string): ZSet {
    let z = m.get(key);
    if (!z) m.set(key, (z = new Map()));
    return z;
  }
}
