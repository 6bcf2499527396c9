import { ApiClient, EVENT_TYPE, eventData, setupAccount } from "../../harness/api-client";
import type { ReceiverHandle } from "../../harness/receiver";
import { startStack, type Stack } from "../../harness/stack";
import { waitFor } from "../../harness/stats";
import { requireEnv } from "../support/env";
import { useStackSuite } from "../support/stack-suite";

/**
 * A worker process killed (-9) in the middle of a bulk replay: each batch restarts its
 * deliveries and moves the replay's cursor past them in one commit, so the next worker goes on
 * from the cursor and no delivery is restarted twice (each ends on chain 1). Only what was cut
 * off mid-request is sent again, under its own id, as for any delivery (see scheduler-crash).
 */
const DELIVERIES = 300;
const CAP = 10;
const CONCURRENCY = 10;

describe("a bulk replay across a worker killed mid-way", () => {
  const suite = useStackSuite();
  let receiver: ReceiverHandle;
  let stack: Stack;
  beforeAll(() => {
    receiver = suite.receiver();
  });

  it("restarts each matched delivery once and delivers each", async () => {
    stack = suite.setStack(await startStack({
      name: "replaycrash",
      adminDatabaseUrl: requireEnv("DATABASE_URL"),
      redisUrl: requireEnv("REDIS_URL"),
      concurrency: CONCURRENCY,
      env: {
        HOOKRELAY_RETRY_SCHEDULE: "0",
        HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: String(CAP),
        HOOKRELAY_REPLAY_RATE: "300",
        HOOKRELAY_REPLAY_BATCH: "20",
        // A dead worker's jobs and slots come back within a few seconds.
        HOOKRELAY_DELIVERY_TIMEOUT_MS: "1000",
        HOOKRELAY_JOB_LOCK_DURATION: "2s",
        HOOKRELAY_STALLED_INTERVAL: "500ms",
        HOOKRELAY_WORKER_LIVENESS_TTL: "2s",
        HOOKRELAY_RECOVERY_INTERVAL: "1s",
        HOOKRELAY_RECOVERY_GRACE: "2s",
      },
    }));
    const path = "/replay-crash";
    const admin = new ApiClient(stack.apiUrl, stack.adminKey, 2);
    const { apiKey, webhookIds } = await setupAccount(admin, "replaycrash", [`${receiver.url}${path}`]);
    const webhookId = webhookIds[0]!;
    const client = admin.withKey(apiKey, 2);
    const count = async (sql: string, params: unknown[] = [webhookId]) => Number((await stack.db.query<{ n: string }>(sql, params)).rows[0]!.n);
    try {
      const since = new Date(Date.now() - 1_000).toISOString();
      for (let b = 0; b < DELIVERIES; b += 100) {
        const events = Array.from({ length: 100 }, (_, i) => ({ type: EVENT_TYPE, data: eventData("replaycrash", b + i) }));
        expect((await client.post("/v1/events/batch", { events })).status).toBe(202);
      }
      // No worker yet: the deliveries are settled as failed by hand (their queued first attempts
      // then find them settled and drop), which is quicker than 300 real failures.
      expect(await count("SELECT count(*) AS n FROM deliveries WHERE webhook_id = $1")).toBe(DELIVERIES);
      await stack.db.query("UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, attempt_count = 1, chain_attempts = 1 WHERE webhook_id = $1", [webhookId]);

      // The endpoint answers, a little slowly: attempts are in flight when the worker dies.
      await receiver.setBehaviours({ [path]: { then: { kind: "slow", delayMs: 30 } } });
      stack.startWorkers(1);
      await stack.workersReady();
      const started = await client.post(`/v1/webhooks/${webhookId}/replay`, { since });
      expect(started.status).toBe(202);
      const replayId = (started.body as { id: string; matched: number }).id;
      expect((started.body as { matched: number }).matched).toBe(DELIVERIES);
      const replayed = () => count("SELECT replayed AS n FROM replays WHERE id = $1", [replayId]);
      expect(await waitFor(async () => (await replayed()) >= 60, 20_000, 5)).toBe(true);
      const exit = await stack.signal("worker1", "SIGKILL", 5_000);
      expect(exit?.signal).toBe("SIGKILL");
      const replayedAtKill = await replayed();

      stack.startWorkers(1);
      await stack.workersReady();
      const done = await waitFor(async () => (await count("SELECT count(*) AS n FROM deliveries WHERE webhook_id = $1 AND status = 'succeeded'")) === DELIVERIES, 60_000, 100);
      expect(done).toBe(true);
      // Time for a second copy, were one coming.
      await new Promise((r) => setTimeout(r, 1_500));

      const { rows } = await stack.db.query<{ status: string; replayed: number; matched: number }>("SELECT status, replayed, matched FROM replays WHERE id = $1", [replayId]);
      expect(rows[0]).toEqual({ status: "completed", replayed: DELIVERIES, matched: DELIVERIES });
      // Each restarted exactly once: a second restart would have made chain 2.
      expect(await count("SELECT count(*) AS n FROM deliveries WHERE webhook_id = $1 AND chain = 1")).toBe(DELIVERIES);
      const seen = await receiver.stats({ tag: "replaycrash" });
      expect(seen.unique).toBe(DELIVERIES);
      // Sent again at most: the attempts in flight at the kill (the webhook's slots), and those
      // answered but not yet written (one per running job).
      expect(seen.duplicates).toBeLessThanOrEqual(CAP + CONCURRENCY);
      // The kill did land mid-way.
      expect(replayedAtKill).toBeLessThan(DELIVERIES);
    } finally {
      await client.close();
      await admin.close();
    }
  }, 180_000);
});
