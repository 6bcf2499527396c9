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
 * A worker process killed (-9) while it holds its webhooks' slots: the attempts it had
 * dispatched come back through BullMQ's stall check to the next worker, nothing is lost,
 * only what was cut off mid-request is sent twice, and no slot stays taken.
 */
const WEBHOOKS = 2;
const CAP = 5;
const EVENTS = 120;
const CONCURRENCY = 20;

describe("a worker killed while holding in-flight slots", () => {
  const suite = useStackSuite();
  let receiver: ReceiverHandle;
  let stack: Stack;
  beforeAll(() => {
    receiver = suite.receiver();
  });

  it("loses nothing, doubles only what was cut off, and leaves every slot free", async () => {
    stack = suite.setStack(await startStack({
      name: "crash",
      adminDatabaseUrl: requireEnv("DATABASE_URL"),
      redisUrl: requireEnv("REDIS_URL"),
      concurrency: CONCURRENCY,
      env: { HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: String(CAP), HOOKRELAY_RECOVERY_INTERVAL: "1s", HOOKRELAY_RECOVERY_GRACE: "3s" },
    }));
    const paths = apiUrlsFor("", "crash", WEBHOOKS);
    await receiver.setBehaviours(Object.fromEntries(paths.map((p) => [p, { then: { kind: "slow" as const, delayMs: 300 } }])));
    const admin = new ApiClient(stack.apiUrl, stack.adminKey, 2);
    const { apiKey, webhookIds } = await setupAccount(admin, "crash", paths.map((p) => `${receiver.url}${p}`));
    const client = admin.withKey(apiKey, 2);
    const redis = createRedis(requireEnv("REDIS_URL"));
    const fair = createFairQueue(redis, { prefix: `${stack.prefix}:fair`, bullPrefix: bullKeyPrefix(stack.prefix), cap: CAP, ahead: 50, now: Date.now });
    try {
      stack.startWorkers(1);
      await stack.workersReady();
      for (let b = 0; b < EVENTS; b += 60) {
        const events = Array.from({ length: 60 }, (_, i) => ({ type: EVENT_TYPE, data: { benchTag: "crash", sentAt: 0, seq: b + i } }));
        expect((await client.post("/v1/events/batch", { events })).status).toBe(202);
      }
      // Mid-flight: every slot of both webhooks taken, requests hanging at the receiver.
      expect(await waitFor(async () => (await receiver.stats({ tag: "crash" })).requests >= 20, 20_000, 50)).toBe(true);
      for (const id of webhookIds) expect((await fair.webhookState(id)).inFlight).toBe(CAP);
      const exit = await stack.signal("worker1", "SIGKILL", 5_000);
      expect(exit?.signal).toBe("SIGKILL");

      stack.startWorkers(1);
      const settled = await waitFor(async () => {
        const { rows } = await stack.db.query<{ n: string }>("SELECT count(*) AS n FROM deliveries WHERE status = 'succeeded'");
        return Number(rows[0]!.n) === EVENTS * WEBHOOKS;
      }, 60_000, 250);
      expect(settled).toBe(true);

      const seen = await receiver.stats({ tag: "crash" });
      expect(seen.unique).toBe(EVENTS * WEBHOOKS);
      // At most what was cut off is sent again: the attempts in flight (the slots), and those
      // whose endpoint had answered but whose success was still being written. A job's own
      // ticket frees its slot as soon as the endpoint answers, before the write commits
      // (src/delivery/deliver.ts), so there is at most one of those per running job. Once in
      // seven runs under CI load that second kind showed: 16 sent twice, against 10 slots.
      expect(seen.duplicates).toBeLessThanOrEqual(WEBHOOKS * CAP + CONCURRENCY);
      const { rows } = await stack.db.query<{ bad: string }>(
        `SELECT count(*) AS bad FROM deliveries d
          WHERE (SELECT count(*) FROM delivery_attempts a WHERE a.delivery_id = d.id AND a.success) <> 1`,
      );
      expect(Number(rows[0]!.bad)).toBe(0);
      for (const id of webhookIds) {
        expect(await waitFor(async () => (await fair.webhookState(id)).inFlight === 0, 10_000, 100)).toBe(true);
        expect(await fair.webhookState(id)).toEqual({ waiting: 0, inFlight: 0 });
      }
    } finally {
      await client.close();
      await admin.close();
      await closeRedis(redis);
      await receiver.forget("crash");
    }
  }, 120_000);
});
