import { randomBytes } from "node:crypto";
import { createFairQueue, type FairQueue } from "../../src/scheduler/fair-queue";
import type { Dispatched, Ticket } from "../../src/scheduler/tickets";
import { closeRedis, createRedis } from "../../src/lib/redis";
import { requireEnv } from "../support/env";
import { FairModel } from "../support/fair-model";
import { startPrivateRedis } from "../support/private-redis";

/**
 * The fair queue's scripts against real Redis. BullMQ is played by the test: a job is a key
 * under the queue's prefix and its wait list a Redis list, which is all the scripts read of
 * it, so every state of the queue (a job lost, a dispatch never published) can be made.
 */
const redis = createRedis(requireEnv("REDIS_URL"));
const prefixes: string[] = [];
afterAll(async () => {
  for (const p of prefixes) {
    const keys = await redis.keys(`${p}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  await closeRedis(redis);
});

function setup(cap: number, ahead: number) {
  const prefix = `hrtest-fair-${randomBytes(4).toString("hex")}`;
  prefixes.push(prefix);
  const clock = { now: 1_000_000, free: 10_000 };
  const bull = `${prefix}:deliveries`;
  // The caller is a worker with `clock.free` free slots, unless a test says otherwise.
  const fair = createFairQueue(redis, { prefix: `${prefix}:fair`, bullPrefix: bull, cap, ahead, now: () => clock.now, worker: { id: "w1", freeSlots: () => clock.free } });
  /** BullMQ's part: dispatched tickets become jobs at the head of the wait list. */
  const publish = async (d: Dispatched[]) => {
    for (const x of d) {
      await redis.set(`${bull}:${x.member}`, "job");
      await redis.lpush(`${bull}:wait`, x.member);
    }
  };
  /** A worker takes the oldest job. */
  const take = async () => redis.rpop(`${bull}:wait`);
  const finish = async (member: string) => redis.del(`${bull}:${member}`);
  return { fair, clock, bull, publish, take, finish, prefix };
}

const ticket = (webhookId: string, accountId: string, n: number, dueAt: number): Ticket => ({
  member: `dlv_${webhookId.toUpperCase()}${String(n).padStart(6, "0")}-0-0`,
  webhookId,
  accountId,
  dueAt,
});

/** A small seeded generator, so a failing sequence can be replayed from its seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("the fair queue in Redis", () => {
  it("does exactly what the model of the rule does, over random operations (dispatch order, slots, timers, continuations)", async () => {
    for (let seed = 1; seed <= 16; seed++) {
      const { fair, clock, publish, take, bull } = setup(2, 3);
      const model = new FairModel(2, 3);
      model.worker = { id: "w1", free: clock.free };
      const rnd = prng(seed);
      const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
      const hooks = [
        ["wa1", "acc_a"],
        ["wa2", "acc_a"],
        ["wa3", "acc_a"],
        ["wb1", "acc_b"],
        ["wc1", "acc_c"],
        ["wc2", "acc_c"],
      ] as const;
      const accountOf = (wh: string) => hooks.find((h) => h[0] === wh)![1];
      /** Jobs a worker runs: its id, its run's lock token, and the ticket it is on now. */
      const running: { jobId: string; token: string; member: string; webhookId: string }[] = [];
      let n = 0;
      let tokens = 0;
      const endJob = async (jobId: string) => {
        await redis.del(`${bull}:${jobId}`, `${bull}:${jobId}:lock`);
        model.jobs.delete(jobId);
        model.locks.delete(jobId);
      };
      const compare = async (what: string, real: { dispatched: Dispatched[]; nextDueAt?: number | null }, expected: { dispatched: Dispatched[]; nextDueAt?: number | null }) => {
        const context = `seed ${seed}, ${what}`;
        expect({ context, dispatched: real.dispatched, nextDueAt: real.nextDueAt }).toEqual({ context, dispatched: expected.dispatched, nextDueAt: expected.nextDueAt });
        if (rnd() < 0.9) {
          await publish(real.dispatched);
          for (const d of real.dispatched) model.jobs.add(d.member);
          model.waitLength += real.dispatched.length;
        } // else: the dispatching process died before adding the jobs
      };
      for (let step = 0; step < 300; step++) {
        // The calling worker's free slots change as its jobs start and end; now and then the
        // caller is an API process, which reports none.
        if (rnd() < 0.2) {
          clock.free = Math.floor(rnd() * 5);
          const isWorker = rnd() < 0.8;
          fair.setWorker(isWorker ? { id: "w1", freeSlots: () => clock.free } : null);
          model.worker = isWorker ? { id: "w1", free: clock.free } : null;
        }
        const op = rnd();
        if (op < 0.3) {
          const tickets = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => {
            const [wh, acc] = pick([...hooks]);
            return ticket(wh, acc, ++n, clock.now + Math.floor(rnd() * 3_000) - 1_000);
          });
          const real = await fair.enqueue(tickets);
          const want = model.enqueue(tickets, clock.now);
          expect(real.added).toBe(want.added);
          await compare(`step ${step} enqueue`, real, want);
        } else if (op < 0.45) {
          // A worker takes the oldest job and locks it for this run.
          const m = await take();
          if (m) {
            model.waitLength--;
            const e = [...model.released.keys()].map((k) => k.split("|")).find(([, mm]) => mm === m);
            const token = `tok${++tokens}`;
            await redis.set(`${bull}:${m}:lock`, token);
            model.locks.set(m, token);
            if (e) running.push({ jobId: m, token, member: m, webhookId: e[0]! });
          }
        } else if (op < 0.65 && running.length > 0) {
          const job = running.splice(Math.floor(rnd() * running.length), 1)[0]!;
          const continueAs = rnd() < 0.5 ? `${job.jobId}|${job.token}` : undefined;
          const done = { member: job.member, webhookId: job.webhookId, continueAs };
          const next = rnd() < 0.4 ? [ticket(job.webhookId, accountOf(job.webhookId), ++n, clock.now + Math.floor(rnd() * 2_000))] : [];
          const real = await fair.release([done], next);
          const want = model.release([done], next, clock.now);
          expect(real.added).toBe(want.added);
          expect({ seed, step, continuations: real.continuations }).toEqual({ seed, step, continuations: want.continuations });
          await compare(`step ${step} release`, real, want);
          const cont = real.continuations[0];
          // The job goes on with the ticket it was handed, or ends.
          if (cont) running.push({ ...job, member: cont.member, webhookId: cont.webhookId });
          else await endJob(job.jobId);
        } else if (op < 0.8) {
          clock.now += Math.floor(rnd() * 1_500);
          const real = await fair.tick();
          await compare(`step ${step} tick`, real, model.tick(clock.now));
        } else if (op < 0.88) {
          expect(await fair.reconcile(2_000, 10)).toBe(model.reconcile(2_000, 10, clock.now));
        } else if (op < 0.92 && running.length > 0) {
          const job = pick(running);
          const again = { member: job.member, webhookId: job.webhookId, accountId: accountOf(job.webhookId), dueAt: clock.now - 5 };
          expect(await fair.reacquire(again)).toBe(model.reacquire(again, clock.now));
        } else if (op < 0.96 && running.length > 0) {
          // A worker dies: its lock is gone, its job waits for the stall check; or the stall
          // check already handed the job to another worker, whose run holds a lock of its own.
          const r = rnd();
          if (r < 0.5) {
            // Its run lost the lock but goes on (the job was taken over or removed): it may
            // still release what it holds, and must be given nothing more.
            const lost = pick(running);
            await redis.del(`${bull}:${lost.jobId}:lock`);
            model.locks.delete(lost.jobId);
          } else {
            const dead = running.splice(Math.floor(rnd() * running.length), 1)[0]!;
            if (r < 0.75) {
              await redis.del(`${bull}:${dead.jobId}:lock`);
              model.locks.delete(dead.jobId);
            } else {
              const token = `tok${++tokens}`;
              await redis.set(`${bull}:${dead.jobId}:lock`, token);
              model.locks.set(dead.jobId, token);
            }
          }
        } else if (running.length > 0) {
          // A job vanishes (the queue lost it) while its webhook still counts the slot.
          const lost = running.splice(Math.floor(rnd() * running.length), 1)[0]!;
          await endJob(lost.jobId);
        }
        // The slots never exceed the cap, and Redis and the model agree on every webhook.
        for (const [wh] of hooks) {
          const state = await fair.webhookState(wh);
          expect({ seed, step, wh, ...state }).toEqual({ seed, step, wh, waiting: model.waiting.get(wh)?.size ?? 0, inFlight: model.inFlight(wh) });
          expect(state.inFlight).toBeLessThanOrEqual(2);
        }
      }
      expect(await redis.llen(`${bull}:wait`)).toBe(model.waitLength);
    }
    // Thousands of Redis round trips: 20-25 s on a machine at load 6, past jest's default 30 s when busier.
  }, 120_000);

  it("serves accounts in turn, then each account's webhooks in turn, whatever each has waiting", async () => {
    const { fair, clock } = setup(100, 1_000);
    // Account A queues 30 for one webhook and 30 for another; B queues 3; C queues 1.
    const tickets = [
      ...Array.from({ length: 30 }, (_, i) => ticket("wa1", "acc_a", i, clock.now - 100)),
      ...Array.from({ length: 30 }, (_, i) => ticket("wa2", "acc_a", 100 + i, clock.now - 100)),
      ...Array.from({ length: 3 }, (_, i) => ticket("wb1", "acc_b", 200 + i, clock.now - 50)),
      ticket("wc1", "acc_c", 300, clock.now),
    ];
    const { dispatched } = await fair.enqueue(tickets);
    expect(dispatched).toHaveLength(64);
    // The first round serves each account once, the next ones alternate A's webhooks.
    expect(dispatched.slice(0, 3).map((d) => d.accountId).sort()).toEqual(["acc_a", "acc_b", "acc_c"]);
    const firstOfA = dispatched.filter((d) => d.accountId === "acc_a").slice(0, 4).map((d) => d.webhookId);
    expect(new Set(firstOfA.slice(0, 2))).toEqual(new Set(["wa1", "wa2"]));
    expect(firstOfA[0]).not.toBe(firstOfA[1]);
    // B's three are all out within its first three turns (positions < 9 of 64).
    const bAt = dispatched.flatMap((d, i) => (d.accountId === "acc_b" ? [i] : []));
    expect(Math.max(...bAt)).toBeLessThan(9);
    // Each webhook's tickets go out in their due order (here: the order queued).
    const wa1 = dispatched.filter((d) => d.webhookId === "wa1").map((d) => d.member);
    expect(wa1).toEqual([...wa1].sort());
  });

  it("holds a webhook to its cap exactly, however many processes release and queue at once", async () => {
    const { fair, clock } = setup(3, 10_000);
    const clients = Array.from({ length: 6 }, () => createRedis(requireEnv("REDIS_URL")));
    try {
      await fair.tick(); // a worker with free slots is known
      const queues: FairQueue[] = clients.map((c) => createFairQueue(c, { prefix: `${prefixes.at(-1)}:fair`, bullPrefix: `${prefixes.at(-1)}:deliveries`, cap: 3, ahead: 10_000, now: () => clock.now }));
      const results = await Promise.all(queues.map((q, k) => q.enqueue(Array.from({ length: 20 }, (_, i) => ticket("wcap", "acc_cap", k * 100 + i, clock.now)))));
      const held = results.flatMap((r) => r.dispatched);
      expect(held).toHaveLength(3);
      expect(await fair.webhookState("wcap")).toEqual({ waiting: 117, inFlight: 3 });
      // Freeing the three from three processes at once hands out exactly three more.
      const again = await Promise.all(held.map((d, i) => queues[i]!.release([d], [])));
      expect(again.flatMap((r) => r.dispatched)).toHaveLength(3);
      expect((await fair.webhookState("wcap")).inFlight).toBe(3);
    } finally {
      await Promise.all(clients.map(closeRedis));
    }
  });

  it("never queues an attempt twice: not while it waits, not while in flight, not while its job exists", async () => {
    const { fair, clock, publish, bull } = setup(1, 10);
    const a = ticket("wdup", "acc_dup", 1, clock.now);
    const b = ticket("wdup", "acc_dup", 2, clock.now);
    const first = await fair.enqueue([a, b]);
    expect(first.added).toBe(2);
    expect(first.dispatched.map((d) => d.member)).toEqual([a.member]);
    await publish(first.dispatched);
    expect((await fair.enqueue([a, b])).added).toBe(0); // a in flight, b waiting
    await fair.release([{ member: a.member, webhookId: "wdup" }], []);
    expect((await fair.enqueue([a])).added).toBe(0); // a's job still exists
    await redis.del(`${bull}:${a.member}`);
    expect((await fair.enqueue([a])).added).toBe(1); // gone everywhere: queued again
  });

  it("puts a ticket that is not due yet to sleep and hands it out once it is", async () => {
    const { fair, clock } = setup(5, 10);
    const later = ticket("wlater", "acc_l", 1, clock.now + 2_000);
    const queued = await fair.enqueue([later]);
    expect(queued.dispatched).toEqual([]);
    expect(queued.nextDueAt).toBe(clock.now + 2_000);
    clock.now += 1_999;
    expect((await fair.tick()).dispatched).toEqual([]);
    clock.now += 1;
    expect((await fair.tick()).dispatched.map((d) => d.member)).toEqual([later.member]);
  });

  it("frees a dispatch that never became a job, once it is old enough, and queues it again at the front", async () => {
    const { fair, clock, publish } = setup(1, 10);
    const lost = ticket("wlost", "acc_x", 1, clock.now);
    const kept = ticket("wkept", "acc_x", 2, clock.now);
    const { dispatched } = await fair.enqueue([lost, kept]);
    await publish(dispatched.filter((d) => d.member === kept.member));
    await fair.enqueue([ticket("wlost", "acc_x", 3, clock.now)]);
    clock.now += 999;
    expect(await fair.reconcile(1_000, 100)).toBe(0);
    clock.now += 1;
    expect(await fair.reconcile(1_000, 100)).toBe(1);
    expect(await fair.webhookState("wkept")).toEqual({ waiting: 0, inFlight: 1 });
    // The lost one comes out again, before the ticket queued behind it.
    const next = await fair.tick();
    expect(next.dispatched.map((d) => d.member)).toEqual([lost.member]);
  });

  it("costs the same few Redis commands per tick whether 10 or 10,000 attempts wait on a full webhook", async () => {
    // A server of its own: INFO's command counts are the whole server's.
    const server = await startPrivateRedis();
    const own = createRedis(server.url);
    try {
      const commands = async () => [...(await own.info("commandstats")).matchAll(/calls=(\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
      const commandsPerTicks = async (waiting: number) => {
        const clock = { now: 1_000_000 };
        const p = `hrtest-hung-${waiting}`;
        const fair = createFairQueue(own, { prefix: `${p}:fair`, bullPrefix: `${p}:deliveries`, cap: 2, ahead: 100, now: () => clock.now, worker: { id: "w1", freeSlots: () => 100 } });
        await fair.enqueue(Array.from({ length: waiting }, (_, i) => ticket("whung", "acc_h", i, clock.now)));
        expect(await fair.webhookState("whung")).toEqual({ waiting: waiting - 2, inFlight: 2 });
        const before = await commands();
        for (let i = 0; i < 20; i++) {
          clock.now += 100;
          expect((await fair.tick()).dispatched).toEqual([]);
        }
        return (await commands()) - before;
      };
      const few = await commandsPerTicks(10);
      const many = await commandsPerTicks(10_000);
      expect(many).toBe(few);
      // A tick is a handful of commands, not one per waiting attempt (one of them, HGETALL of
      // the workers' liveness, is the reaper's: lua.ts, TICK).
      expect(few / 20).toBeLessThan(13);
    } finally {
      await closeRedis(own);
      await server.close();
    }
  });
});
