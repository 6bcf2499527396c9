import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Queue } from "bullmq";
import IORedis from "ioredis";
import { ApiClient, apiUrlsFor, setupAccount } from "../harness/api-client";
import { cpuPerUnit, stackCpuGroups, startCpuMeter } from "../harness/cpu";
import { startServers } from "../harness/servers";
import { startStack, type Stack } from "../harness/stack";
import { round1, sleep, waitFor } from "../harness/stats";
import { bullKeyPrefix, DELIVERY_QUEUE } from "../src/delivery/queue";
import { emitBatches } from "./emit";
import type { BenchContext, Cell, Scenario, ScenarioResult } from "./types";

/**
 * Recovery at any backlog: 100,000 deliveries pending for hung endpoints (so they stay pending),
 * then Redis loses them. How long after Redis answers again until every pending delivery is
 * queued again, at what cost per delivery, and whether any is held twice.
 *
 * - restarted empty: Redis killed and started without its data (a failover to an empty
 *   replica, a flush): the scheduler's epoch is gone, so the workers queue everything again.
 * - queue flushed: BullMQ's keys only (an `obliterate`), the scheduler's own intact: the
 *   attempts dispatched to the lost jobs come back through the scheduler's reconcile.
 *
 * It runs on a Postgres and a Redis of its own (harness/servers.ts), which it restarts.
 */
const WEBHOOKS = 10;

/** Every pending delivery's next attempt, against what the scheduler holds (waiting or in flight). */
async function census(stack: Stack, redis: IORedis, webhookIds: string[]) {
  const { rows } = await stack.db.query<{ m: string }>("SELECT id || '-' || chain || '-' || chain_attempts AS m FROM deliveries WHERE status = 'pending'");
  const pending = new Set(rows.map((r) => r.m));
  const held: string[] = [];
  let flyingWithoutJob = 0;
  for (const wh of webhookIds) {
    held.push(...(await redis.zrange(`${stack.prefix}:fair:q:${wh}`, 0, -1)));
    const flying = await redis.zrange(`${stack.prefix}:fair:f:${wh}`, 0, -1);
    held.push(...flying);
    // Run by a job of its own, or taken on by a running job whose run still holds its lock.
    for (const m of flying) {
      const holder = await redis.hget(`${stack.prefix}:fair:holders`, m);
      const running = holder
        ? (await redis.get(`${bullKeyPrefix(stack.prefix)}:${holder.slice(0, holder.indexOf("|"))}:lock`)) === holder.slice(holder.indexOf("|") + 1)
        : (await redis.exists(`${bullKeyPrefix(stack.prefix)}:${m}`)) === 1;
      if (!running) flyingWithoutJob++;
    }
  }
  const distinct = new Set(held);
  return {
    pending: pending.size,
    twice: held.length - distinct.size,
    missing: [...pending].filter((m) => !distinct.has(m)).length,
    flyingWithoutJob,
  };
}

export const recovery: Scenario = {
  name: "recovery",
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const deliveries = ctx.opts.quick ? 20_000 : 100_000;
    const servers = await startServers();
    const redis = new IORedis(servers.redis.url, { maxRetriesPerRequest: null });
    redis.on("error", () => undefined);
    await ctx.receiver.setHanging(apiUrlsFor("", "recovery", WEBHOOKS));
    const stack = await startStack({ name: "recovery", adminDatabaseUrl: servers.postgres.url, redisUrl: servers.redis.url, concurrency: ctx.opts.concurrency });
    const admin = new ApiClient(stack.apiUrl, stack.adminKey, 2);
    const rows: Record<string, Cell>[] = [];
    const notes: string[] = [];
    try {
      const { apiKey, webhookIds } = await setupAccount(admin, "recovery", apiUrlsFor(ctx.receiver.url, "recovery", WEBHOOKS));
      stack.startWorkers(ctx.opts.workers);
      await stack.workersReady();
      ctx.log(`recovery: queueing ${deliveries} deliveries for hung endpoints`);
      const client = admin.withKey(apiKey, 4);
      await emitBatches(client, "recovery", deliveries / WEBHOOKS, { batchSize: 100, parallel: 4 });
      await client.close();
      const settled = await waitFor(async () => {
        const c = await census(stack, redis, webhookIds);
        return c.pending === deliveries && c.missing === 0;
      }, 60_000, 500);
      if (!settled) notes.push("the backlog was not fully held by the scheduler before the fault");

      const measure = async (label: string, fault: () => Promise<void>) => {
        ctx.log(`recovery: ${label}`);
        await fault();
        const answeredAt = Date.now();
        const cpu = startCpuMeter(stackCpuGroups(stack, ctx.receiver.pid));
        let last = await census(stack, redis, webhookIds);
        const done = await waitFor(async () => {
          last = await census(stack, redis, webhookIds);
          return last.missing === 0 && last.twice === 0 && last.flyingWithoutJob === 0;
        }, 180_000, 100);
        const ms = Date.now() - answeredAt;
        const used = cpu.stop();
        rows.push({
          fault: label,
          pending: last.pending,
          "seconds until all queued again": done ? round1(ms / 1000) : `not within ${180} s`,
          "held twice": last.twice,
          "not held": last.missing,
          "CPU ms/delivery": cpuPerUnit(used, last.pending),
        });
      };

      // The jobs lost while the scheduler's own state stays: the attempts they were running
      // (their own, and those they took on) come back through reconcile, after the grace.
      await measure("BullMQ queue flushed (obliterate)", async () => {
        const connection = new IORedis(servers.redis.url, { maxRetriesPerRequest: null });
        const queue = new Queue(DELIVERY_QUEUE, { connection, prefix: stack.prefix });
        await queue.obliterate({ force: true });
        await queue.close();
        connection.disconnect();
      });
      await sleep(2_000);
      await measure("Redis restarted empty", async () => {
        await servers.redis.stop("SIGKILL");
        const dir = join(servers.dir, "redis");
        for (const f of readdirSync(dir)) if (f !== "redis.log") rmSync(join(dir, f), { recursive: true, force: true });
        await servers.redis.start();
      });
      return {
        name: "recovery",
        title: `Recovery: ${deliveries.toLocaleString("en-US")} pending deliveries after Redis loses them`,
        params: { deliveries, webhooks: WEBHOOKS, "worker processes": ctx.opts.workers, HOOKRELAY_RECOVERY_GRACE: "30s (default)", "Redis persistence": "AOF everysec" },
        rows,
        notes: [...notes, "'held twice' and 'not held' compare every pending delivery's next attempt in Postgres with the scheduler's lines in Redis"],
      };
    } finally {
      await admin.close();
      await stack.stop();
      redis.disconnect();
      await servers.close();
      await ctx.receiver.setHanging([]);
    }
  },
};
