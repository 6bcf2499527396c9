import { ApiClient, apiUrlsFor, EVENT_TYPE, setupAccount } from "../../harness/api-client";
import type { ReceiverHandle } from "../../harness/receiver";
import { startStack, type Stack } from "../../harness/stack";
import { waitFor } from "../../harness/stats";
import { closeRedis, createRedis } from "../../src/lib/redis";
import { bullKeyPrefix } from "../../src/delivery/queue";
import { createFairQueue } from "../../src/scheduler/fair-queue";
import { requireEnv } from "../support/env";
import { useStackSuite } from "../support/stack-suite";

/**
 * Worker liveness (src/scheduler/lua.ts, "reap"): a worker process killed mid-attempt has its
 * slot back, and the attempt sent again, a few seconds after its heartbeat stops, instead of
 * once BullMQ's lock has expired and the stall check has run; a live worker keeps its slot
 * however long its attempt takes.
 */
/** One stack per describe block: the suite stops (and drops the database of) the one it was given. */
function useLivenessStack() {
  const suite = useStackSuite();
  return async function setup(name: string, env: Record<string, string>) {
    const receiver: ReceiverHandle = suite.receiver();
    const stack: Stack = suite.setStack(await startStack({
      name,
      adminDatabaseUrl: requireEnv("DATABASE_URL"),
      redisUrl: requireEnv("REDIS_URL"),
      concurrency: 5,
      env: { HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: "1", HOOKRELAY_DELIVERY_TIMEOUT_MS: "30000", HOOKRELAY_JOB_LOCK_DURATION: "40s", ...env },
    }));
    const [path] = apiUrlsFor("", name, 1);
    const admin = new ApiClient(stack.apiUrl, stack.adminKey, 2);
    const { apiKey, webhookIds } = await setupAccount(admin, name, [`${receiver.url}${path!}`]);
    const client = admin.withKey(apiKey, 2);
    const redis = createRedis(requireEnv("REDIS_URL"));
    const fair = createFairQueue(redis, { prefix: `${stack.prefix}:fair`, bullPrefix: bullKeyPrefix(stack.prefix), cap: 1, ahead: 50, now: Date.now });
    const emit = async (seq: number) => expect((await client.post("/v1/events", { type: EVENT_TYPE, data: { benchTag: name, sentAt: 0, seq } })).status).toBe(202);
    const close = async () => {
      await client.close();
      await admin.close();
      await closeRedis(redis);
      await receiver.forget(name);
    };
    return { stack, receiver, path: path!, webhookId: webhookIds[0]!, fair, emit, close };
  };
}

describe("a worker killed mid-attempt", () => {
  const setup = useLivenessStack();
  it("gives a killed worker's slot back, and sends its attempt again, within seconds of its heartbeat stopping", async () => {
    // A TTL below the default (6 s) to keep the test short; the mechanics are the same.
    const t = await setup("liveness-kill", { HOOKRELAY_WORKER_LIVENESS_TTL: "3s" });
    try {
      // The first POST hangs (the worker is killed while it waits).
      await t.receiver.setBehaviours({ [t.path]: { then: { kind: "hang" } } });
      t.stack.startWorkers(1);
      await t.stack.workersReady();
      await t.emit(1);
      await t.emit(2);
      expect(await waitFor(async () => (await t.receiver.stats({ tag: "liveness-kill" })).requests >= 1, 20_000, 50)).toBe(true);
      expect(await t.fair.webhookState(t.webhookId)).toEqual({ waiting: 1, inFlight: 1 });
      // From now on every POST answers at once: the hung one stays hung until its worker dies.
      await t.receiver.setBehaviours({ [t.path]: { then: { kind: "status", status: 200 } } });
      t.stack.startWorkers(1);
      await t.stack.workersReady();

      const killedAt = Date.now();
      expect((await t.stack.signal("worker1", "SIGKILL", 5_000))?.signal).toBe("SIGKILL");
      // The hung attempt goes out again (its second POST answers), and then the delivery that waited behind the cap.
      expect(await waitFor(async () => (await t.receiver.stats({ tag: "liveness-kill" })).requests >= 2, 30_000, 50)).toBe(true);
      const resentAfterMs = Date.now() - killedAt;
      expect(await waitFor(async () => (await t.receiver.stats({ tag: "liveness-kill" })).unique === 2 && (await t.fair.webhookState(t.webhookId)).inFlight === 0, 30_000, 50)).toBe(true);
      process.stdout.write(`killed worker's attempt sent again ${resentAfterMs} ms after the kill\n`);
      // A 3 s liveness TTL and the stall check every 2 s: within 3 + 1 (a tick) + 2 s (with room for a
      // loaded machine), against up to 15 s (the 10 s lock, then the 5 s check) before: 10.1 s measured.
      expect(resentAfterMs).toBeLessThan(8_000);
      // A slot is freed as soon as the endpoint answers, before the outcome commits.
      const succeeded = async () => Number((await t.stack.db.query<{ n: string }>("SELECT count(*) AS n FROM deliveries WHERE status = 'succeeded'")).rows[0]!.n);
      expect(await waitFor(async () => (await succeeded()) === 2, 10_000, 50)).toBe(true);
    } finally {
      await t.close();
    }
  }, 120_000);
});

describe("a worker killed while it runs a continuation", () => {
  const setup = useLivenessStack();
  it("has the continued attempt freed, queued again and sent by another worker within seconds", async () => {
    // The delivery timeout and job lock at their defaults (5 s, 10 s).
    const t = await setup("liveness-cont", { HOOKRELAY_DELIVERY_TIMEOUT_MS: "5000", HOOKRELAY_JOB_LOCK_DURATION: "10s", HOOKRELAY_WORKER_LIVENESS_TTL: "3s" });
    try {
      await t.receiver.setBehaviours({ [t.path]: { then: { kind: "slow", delayMs: 3_000 } } });
      t.stack.startWorkers(1);
      await t.stack.workersReady();
      await t.emit(1);
      await t.emit(2);
      expect(await waitFor(async () => (await t.receiver.stats({ tag: "liveness-cont" })).requests >= 1, 20_000, 50)).toBe(true);
      // The second delivery follows the first on the same job, as a continuation, and hangs.
      await t.receiver.setBehaviours({ [t.path]: { then: { kind: "hang" } } });
      t.stack.startWorkers(1);
      await t.stack.workersReady();
      expect(await waitFor(async () => (await t.receiver.stats({ tag: "liveness-cont" })).requests >= 2, 20_000, 50)).toBe(true);
      const redis = createRedis(requireEnv("REDIS_URL"));
      try {
        expect(await redis.hlen(`${t.stack.prefix}:fair:holders`)).toBe(1);
      } finally {
        await closeRedis(redis);
      }
      await t.receiver.setBehaviours({ [t.path]: { then: { kind: "status", status: 200 } } });

      const killedAt = Date.now();
      expect((await t.stack.signal("worker1", "SIGKILL", 5_000))?.signal).toBe("SIGKILL");
      const succeeded = async () => Number((await t.stack.db.query<{ n: string }>("SELECT count(*) AS n FROM deliveries WHERE status = 'succeeded'")).rows[0]!.n);
      expect(await waitFor(async () => (await succeeded()) === 2, 60_000, 50)).toBe(true);
      const resentAfterMs = Date.now() - killedAt;
      process.stdout.write(`killed worker's continued attempt delivered ${resentAfterMs} ms after the kill\n`);
      // Before the heartbeat it waited for reconcile (its job's lock to expire, then the 30 s recovery
      // grace): 33.8 s measured, with the liveness TTL set to 1h.
      expect(resentAfterMs).toBeLessThan(8_000);
      expect(await waitFor(async () => (await t.fair.webhookState(t.webhookId)).inFlight === 0, 10_000, 50)).toBe(true);
    } finally {
      await t.close();
    }
  }, 120_000);
});

describe("a live worker's long attempt", () => {
  const setup = useLivenessStack();
  it("never takes the slot of a live worker whose attempt outlasts the liveness TTL", async () => {
    const t = await setup("liveness-long", { HOOKRELAY_WORKER_LIVENESS_TTL: "1s" });
    try {
      await t.receiver.setBehaviours({ [t.path]: { then: { kind: "slow", delayMs: 4_000 } } });
      t.stack.startWorkers(2);
      await t.stack.workersReady();
      await t.emit(1);
      await t.emit(2);
      expect(await waitFor(async () => (await t.receiver.stats({ tag: "liveness-long" })).requests >= 1, 20_000, 50)).toBe(true);
      const firstAt = Date.now();
      // Four times the TTL: the slot stays taken by the one attempt, and nothing else goes out.
      while (Date.now() - firstAt < 3_500) {
        expect(await t.fair.webhookState(t.webhookId)).toEqual({ waiting: 1, inFlight: 1 });
        expect((await t.receiver.stats({ tag: "liveness-long" })).requests).toBe(1);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await waitFor(async () => (await t.receiver.stats({ tag: "liveness-long" })).requests >= 2 && (await t.fair.webhookState(t.webhookId)).inFlight === 0, 20_000, 50)).toBe(true);
      const seen = await t.receiver.stats({ tag: "liveness-long" });
      expect(seen).toMatchObject({ requests: 2, unique: 2, duplicates: 0 });
    } finally {
      await t.close();
    }
  }, 120_000);
});
