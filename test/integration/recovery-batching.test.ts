import { newId } from "../../src/lib/ids";
import { createLogger } from "../../src/lib/logger";
import { closeRedis, createRedis } from "../../src/lib/redis";
import { createRecovery } from "../../src/delivery/recovery";
import { bullKeyPrefix } from "../../src/delivery/queue";
import { createFairQueue } from "../../src/scheduler/fair-queue";
import { createScheduler } from "../../src/scheduler/scheduler";
import { startTestApp, type TestApp } from "../support/app";
import { aWebhook } from "../support/factories";
import { startPrivateRedis } from "../support/private-redis";

/**
 * The recovery sweep re-checks rows against Redis in batches: one script call per slice of 500
 * tickets (scheduler/fair-queue.ts), each checking and queueing its tickets inside Redis, not
 * a round trip per row. Counted with INFO commandstats on a Redis server of the test's own.
 */
const ROWS = 3_000;

describe("the recovery sweep's Redis round trips", () => {
  let app: TestApp;
  afterAll(() => app?.close());

  it(`re-checks ${ROWS} pending deliveries in a handful of round trips, and queues each once`, async () => {
    app = await startTestApp({}, { worker: false });
    const { accountId, apiKey } = await app.newAccount();
    const { id: webhookId } = await aWebhook(app, apiKey);
    const eventId = newId("evt");
    const due = new Date(Date.now() - 60_000);
    await app.container.db.event.create({ data: { id: eventId, accountId, type: "message.created", data: "{}", createdAt: due } });
    const ids = Array.from({ length: ROWS }, () => newId("dlv"));
    await app.container.sql.query(
      `INSERT INTO deliveries (id, account_id, webhook_id, event_id, event_type, next_attempt_at, updated_at)
       SELECT id, $2, $3, $4, 'message.created', $5, now() FROM unnest($1::text[]) AS id`,
      [ids, accountId, webhookId, eventId, due],
    );

    const server = await startPrivateRedis();
    const redis = createRedis(server.url);
    try {
      const prefix = "hrtest-sweep";
      // Cap 1 and no worker: nothing is dispatched, every ticket stays in its line to be counted.
      const fair = createFairQueue(redis, { prefix: `${prefix}:fair`, bullPrefix: bullKeyPrefix(prefix), cap: 1, ahead: 0, now: Date.now });
      const logger = createLogger("silent");
      const scheduler = createScheduler({ fair, publish: async () => undefined, logger });
      const recovery = createRecovery({
        sql: app.container.sql,
        redis,
        scheduler,
        clock: { now: () => new Date() },
        logger,
        prefix,
        readEpoch: fair.readEpoch,
        writeEpoch: fair.writeEpoch,
        graceMs: 1_000,
      });
      const stats = async () => {
        const out = new Map<string, number>();
        for (const m of (await redis.info("commandstats")).matchAll(/cmdstat_(\w+):calls=(\d+)/g)) out.set(m[1]!, Number(m[2]));
        return out;
      };
      const before = await stats();
      const started = performance.now();
      // No epoch yet: the full rescan, the path that reads every pending row.
      const { rescanned } = await recovery.run();
      const elapsedMs = performance.now() - started;
      const after = await stats();
      const calls = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
      // INFO counts the commands scripts run too; of those the client sends on this path (the
      // epoch's and the window's GET and SET, the scripts), none is run inside a script.
      const trips = ["eval", "evalsha", "get", "set"].reduce((sum, k) => sum + calls(k), 0);
      const inside = [...after.keys()].filter((k) => k !== "info").reduce((sum, k) => sum + calls(k), 0) - trips;
      process.stdout.write(`recovery rescan of ${ROWS} rows: ${trips} round trips (${calls("evalsha")} EVALSHA, ${calls("eval")} EVAL), ${inside} commands inside the scripts, ${Math.round(elapsedMs)} ms, ${Math.round(ROWS / (elapsedMs / 1000))} rows/s\n`);

      expect(rescanned).toBe(ROWS);
      expect(await fair.webhookState(webhookId)).toEqual({ waiting: ROWS, inFlight: 0 });
      // One script call per 500 tickets (ioredis sends EVAL once per script, then EVALSHA),
      // plus the epoch and the window: not one per row.
      expect(calls("evalsha") + calls("eval")).toBeLessThanOrEqual(Math.ceil(ROWS / 500) + 1);
      expect(trips).toBeLessThanOrEqual(Math.ceil(ROWS / 500) + 1 + 3);

      // A second full rescan (the epoch gone again) finds every row queued already: none twice.
      await redis.del(`${prefix}:fair:epoch`);
      expect((await recovery.run()).rescanned).toBe(0);
      expect(await fair.webhookState(webhookId)).toEqual({ waiting: ROWS, inFlight: 0 });
    } finally {
      await closeRedis(redis);
      await server.close();
    }
  }, 60_000);
});
