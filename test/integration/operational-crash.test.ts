import { ApiClient, apiUrlsFor, EVENT_TYPE, setupAccount, VERIFY_TOKEN } from "../../harness/api-client";
import type { ReceiverHandle } from "../../harness/receiver";
import { startStack, type Stack } from "../../harness/stack";
import { waitFor } from "../../harness/stats";
import { requireEnv } from "../support/env";
import { useStackSuite } from "../support/stack-suite";

/**
 * Workers killed (-9) while their webhooks are being disabled: every transition's notices are
 * written with it or not at all, so after a new worker has finished the work each of them is
 * there once, fanned out once, and delivered once (a delivery cut off mid-request may be sent
 * again under its own id, as any delivery may).
 */
const DOOMED = 30;
const ROUNDS = 2;

describe("operational events across a worker killed mid-transition", () => {
  const suite = useStackSuite();
  let receiver: ReceiverHandle;
  let stack: Stack;
  beforeAll(() => {
    receiver = suite.receiver();
  });

  it("leaves each notice written once, fanned out once and delivered once", async () => {
    stack = suite.setStack(await startStack({
      name: "opscrash",
      adminDatabaseUrl: requireEnv("DATABASE_URL"),
      redisUrl: requireEnv("REDIS_URL"),
      concurrency: 10,
      // One attempt: every 410 disables its webhook and gives its delivery up, both notices at once.
      env: { HOOKRELAY_RETRY_SCHEDULE: "0", HOOKRELAY_NOTICE_EXHAUSTED_WINDOW: "0ms", HOOKRELAY_RECOVERY_INTERVAL: "1s", HOOKRELAY_RECOVERY_GRACE: "2s" },
    }));
    const admin = new ApiClient(stack.apiUrl, stack.adminKey, 2);
    let killed = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const doomedPaths = apiUrlsFor("", `ops${round}-doomed`, DOOMED);
      const opsPath = `/ops${round}-subscriber`;
      await receiver.setBehaviours({ ...Object.fromEntries(doomedPaths.map((p) => [p, { then: { kind: "slow" as const, delayMs: 40, status: 410 } }])) });
      const { apiKey, webhookIds } = await setupAccount(admin, `ops${round}`, doomedPaths.map((p) => `${receiver.url}${p}`));
      const account = admin.withKey(apiKey, 2);
      const sub = await account.post("/v1/webhooks", { url: `${receiver.url}${opsPath}`, verifyToken: VERIFY_TOKEN, eventTypes: ["webhook.disabled", "delivery.exhausted"] });
      expect(sub.status).toBe(201);
      const subscriberId = (sub.body as { id: string }).id;

      stack.startWorkers(1);
      await stack.workersReady();
      expect((await account.post("/v1/events", { type: EVENT_TYPE, data: { round } })).status).toBe(202);
      // Some endpoints have answered 410, most have not: the worker dies among the transitions.
      const before = () => receiver.stats({ tag: "untagged", paths: doomedPaths });
      expect(await waitFor(async () => (await before()).requests >= 3 + round * 6, 20_000, 2)).toBe(true);
      const exit = await stack.signal("worker1", "SIGKILL", 5_000);
      expect(exit?.signal).toBe("SIGKILL");
      killed += 1;
      const answeredAtKill = (await before()).requests;

      // A new worker finishes: BullMQ's stall check hands the killed jobs out again.
      stack.startWorkers(1);
      await stack.workersReady();
      const disabled = await waitFor(async () => {
        const { rows } = await stack.db.query<{ n: string }>("SELECT count(*) AS n FROM webhooks WHERE id = ANY($1) AND status = 'disabled'", [webhookIds]);
        return Number(rows[0]!.n) === DOOMED;
      }, 60_000, 100);
      expect(disabled).toBe(true);
      const fannedOut = await waitFor(async () => {
        const { rows } = await stack.db.query<{ n: string }>(
          "SELECT count(*) AS n FROM deliveries WHERE webhook_id = $1 AND status = 'succeeded'",
          [subscriberId],
        );
        return Number(rows[0]!.n) === DOOMED * 2;
      }, 60_000, 100);
      expect(fannedOut).toBe(true);
      // Time for a second copy, were one coming.
      await new Promise((r) => setTimeout(r, 2_500));

      const { rows: notices } = await stack.db.query<{ type: string; webhook_id: string; fanned_out_at: Date | null; deliveries: string }>(
        `SELECT o.type, o.webhook_id, o.fanned_out_at, (SELECT count(*) FROM deliveries d WHERE d.event_id = o.event_id) AS deliveries
           FROM operational_events o WHERE o.account_id = (SELECT account_id FROM webhooks WHERE id = $1)`,
        [subscriberId],
      );
      expect(notices).toHaveLength(DOOMED * 2);
      for (const type of ["webhook.disabled", "delivery.exhausted"]) {
        expect(new Set(notices.filter((n) => n.type === type).map((n) => n.webhook_id))).toEqual(new Set(webhookIds));
      }
      expect(notices.every((n) => n.fanned_out_at !== null && Number(n.deliveries) === 1)).toBe(true);
      const seen = await receiver.stats({ tag: "untagged", paths: [opsPath] });
      expect(seen.unique).toBe(DOOMED * 2);
      // The kill did land mid-way: not every endpoint had been asked.
      expect(answeredAtKill).toBeLessThan(DOOMED);
      await stack.stopWorkers();
    }
    expect(killed).toBe(ROUNDS);
    await admin.close();
  }, 240_000);
});
