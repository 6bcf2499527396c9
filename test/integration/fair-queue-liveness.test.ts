import { randomBytes } from "node:crypto";
import { createFairQueue } from "../../src/scheduler/fair-queue";
import type { Ticket } from "../../src/scheduler/tickets";
import { closeRedis, createRedis } from "../../src/lib/redis";
import { requireEnv } from "../support/env";

/**
 * The scheduler's reaper (lua.ts, TICK) against real Redis, BullMQ played by the test as in
 * fair-queue.test.ts: a running job is its id in the active list and a lock key holding its
 * token, `<BullMQ worker id>:<n>`. A worker whose liveness key expired loses its jobs' locks
 * (handed to BullMQ's stall check) and the tickets it ran as continuations; a live one keeps both.
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

const ticket = (n: number): Ticket => ({ member: `dlv_W${String(n).padStart(6, "0")}-0-0`, webhookId: "wh1", accountId: "acc1", dueAt: 1 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Worker A runs ticket 1 as a job and goes on with ticket 2 as a continuation; worker B is idle. */
async function setup() {
  const prefix = `hrtest-live-${randomBytes(4).toString("hex")}`;
  prefixes.push(prefix);
  const bull = `${prefix}:deliveries`;
  const opts = { prefix: `${prefix}:fair`, bullPrefix: bull, cap: 1, ahead: 50, now: Date.now };
  const a = createFairQueue(redis, { ...opts, worker: { id: "host:1:bullA", freeSlots: () => 1 } });
  const b = createFairQueue(redis, { ...opts, worker: { id: "host:2:bullB", freeSlots: () => 1 } });
  await a.heartbeat("host:1:bullA", "bullA", 300);
  await b.heartbeat("host:2:bullB", "bullB", 60_000);
  const [one, two] = [ticket(1), ticket(2)];
  const { dispatched } = await a.enqueue([one, two]);
  expect(dispatched.map((d) => d.member)).toEqual([one.member]);
  // BullMQ: the job is taken by worker A, which locks it under its token.
  await redis.set(`${bull}:${one.member}`, "job");
  await redis.rpush(`${bull}:active`, one.member);
  await redis.set(`${bull}:${one.member}:lock`, "bullA:0");
  await redis.set(`${bull}:stalled-check`, "1");
  const { continuations } = await a.release([{ member: one.member, webhookId: "wh1", continueAs: `${one.member}|bullA:0` }], []);
  expect(continuations.map((c) => c?.member)).toEqual([two.member]);
  expect(await a.webhookState("wh1")).toEqual({ waiting: 0, inFlight: 1 });
  return { a, b, bull, fair: opts.prefix, one, two };
}

describe("the scheduler's reaper", () => {
  it("takes back what a worker held once its liveness key expires: its job to the stall check, its continuation to the front of the line", async () => {
    const { a, b, bull, fair, one, two } = await setup();
    // Alive: nothing is taken.
    expect((await b.tick()).reaped).toBe(0);
    expect(await redis.get(`${bull}:${one.member}:lock`)).toBe("bullA:0");
    await a.heartbeat("host:1:bullA", "bullA", 300);
    await sleep(200);
    expect((await b.tick()).reaped).toBe(0);

    await sleep(400);
    const t = await b.tick();
    expect(t.reaped).toBe(2);
    // The job: no lock, marked stalled, the check's guard cleared, so the next check moves it to wait.
    expect(await redis.exists(`${bull}:${one.member}:lock`)).toBe(0);
    expect(await redis.sismember(`${bull}:stalled`, one.member)).toBe(1);
    expect(await redis.exists(`${bull}:stalled-check`)).toBe(0);
    // The continuation: freed, queued again and dispatched at once for worker B's free slot.
    expect(t.dispatched.map((d) => d.member)).toEqual([two.member]);
    expect(await b.webhookState("wh1")).toEqual({ waiting: 0, inFlight: 1 });
    // Reaped once: the dead worker is forgotten.
    expect((await b.tick()).reaped).toBe(0);
    expect(await redis.hexists(`${fair}:lives`, "host:1:bullA")).toBe(0);
    expect(await redis.hexists(`${fair}:lives`, "host:2:bullB")).toBe(1);
  });

  it("does not take a pause of Redis for deaths: after a gap in the ticks, every worker gets a TTL to beat again", async () => {
    const { a, b, bull, fair, one } = await setup();
    expect((await b.tick()).reaped).toBe(0);
    // Redis was away 5 s (stopped, restarted): its clock moved on, A's key expired meanwhile,
    // though A is fine and beats again as soon as it can.
    const [sec, usec] = await redis.time();
    const redisNow = Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
    await redis.set(`${fair}:reap-tick`, String(redisNow - 5_000));
    await redis.del(`${fair}:live:host:1:bullA`);
    expect((await b.tick()).reaped).toBe(0);
    expect(await redis.get(`${bull}:${one.member}:lock`)).toBe("bullA:0");
    await a.heartbeat("host:1:bullA", "bullA", 300);
    await sleep(200);
    expect((await b.tick()).reaped).toBe(0);
    // A worker that really is dead is still reaped, once the grace and its key are both over.
    await sleep(500);
    expect((await b.tick()).reaped).toBe(2);
    expect(await redis.exists(`${bull}:${one.member}:lock`)).toBe(0);
  });

  it("never takes a job of a live worker, nor another worker's job, and forgets a worker that stopped cleanly", async () => {
    const { a, b, bull, one } = await setup();
    // Worker B runs a job of its own too.
    await redis.rpush(`${bull}:active`, "other-job");
    await redis.set(`${bull}:other-job:lock`, "bullB:7");
    for (let i = 0; i < 5; i++) {
      await a.heartbeat("host:1:bullA", "bullA", 300);
      await sleep(100);
      expect((await b.tick()).reaped).toBe(0);
    }
    await a.forget("host:1:bullA");
    await sleep(400);
    expect((await b.tick()).reaped).toBe(0);
    expect(await redis.get(`${bull}:${one.member}:lock`)).toBe("bullA:0");
    expect(await redis.get(`${bull}:other-job:lock`)).toBe("bullB:7");
    expect(await redis.exists(`${bull}:stalled`)).toBe(0);
  });
});
