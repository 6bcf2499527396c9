import { ApiClient, apiUrlsFor, setupAccount, timeGets } from "../harness/api-client";
import { startStack } from "../harness/stack";
import { nowMs, round1, summarize } from "../harness/stats";
import { seedLog, settleLog } from "./log-seed";
import type { BenchContext, Cell, Scenario, ScenarioResult } from "./types";

/**
 * The portal's reads at size: the delivery log (each filter, and a page deep behind a cursor),
 * the events list and the stats, for one webhook with 1,000,000 attempts over 7 days (100,000
 * with --quick), through the real API. Target: p95 < 50 ms each. The rows are written by SQL
 * (bench/log-seed.ts), not by delivering them: this measures reading, and a million deliveries
 * would take the bench minutes to make. bench/log-scale.ts measures the same reads at 10M and more.
 */
const DAY_MS = 86_400_000;
const SAMPLES = 60;

export const portalQueries: Scenario = {
  name: "portal-queries",
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const attempts = ctx.opts.quick ? 100_000 : 1_000_000;
    const stack = await startStack({ name: "portal-queries", adminDatabaseUrl: ctx.databaseUrl, redisUrl: ctx.redisUrl, concurrency: ctx.opts.concurrency });
    const admin = new ApiClient(stack.apiUrl, stack.adminKey, 2);
    const rows: Record<string, Cell>[] = [];
    const notes: string[] = [];
    const started = Date.now();
    try {
      const { accountId, apiKey, webhookIds } = await setupAccount(admin, "portal-queries", apiUrlsFor(ctx.receiver.url, "portal-queries", 1));
      const webhookId = webhookIds[0]!;
      ctx.log(`portal-queries: writing ${attempts} events, deliveries and attempts`);
      const seeding = nowMs();
      // One event, delivery and attempt per row over the last 7 days, ids carrying their times (bench/log-seed.ts).
      await seedLog(stack.db, { accountId, webhookIds: [webhookId], measuredShare: 1, endMs: Date.now() - 60_000, days: 7 }, 0, attempts, { parallel: 2 });
      await settleLog(stack.db);
      notes.push(`seeded ${attempts.toLocaleString("en")} events, deliveries and attempts in ${round1((nowMs() - seeding) / 1000)} s (one webhook, one account, 7 days)`);
      const client = admin.withKey(apiKey, 1);
      const log = `/v1/webhooks/${webhookId}/deliveries`;
      const iso = (msAgo: number) => encodeURIComponent(new Date(Date.now() - msAgo).toISOString());

      // A cursor 20 pages of 50 deep, found once: what "Older" costs far down the log.
      let deep = "";
      for (let page = 0, cursor: string | null = null; page < 20; page++) {
        const res = await client.get(`${log}?limit=50${cursor ? `&cursor=${cursor}` : ""}`);
        cursor = (res.body as { nextCursor: string | null }).nextCursor;
        deep = cursor ?? "";
      }
      // The first stats read of a webhook seals its past hours (stores their counts): once per hour and webhook.
      for (const window of ["24h", "7d"]) {
        const t = nowMs();
        await client.get(`/v1/webhooks/${webhookId}/stats?window=${window}`);
        notes.push(`first stats read (${window}), which seals the past hours: ${round1(nowMs() - t)} ms`);
      }
      const queries: [string, () => string][] = [
        ["delivery log, newest 50", () => `${log}?limit=50`],
        ["delivery log, failures only", () => `${log}?limit=50&outcome=failure`],
        ["delivery log, one event type", () => `${log}?limit=50&eventType=invoice.paid`],
        ["delivery log, one day 3 days ago", () => `${log}?limit=50&from=${iso(4 * DAY_MS)}&to=${iso(3 * DAY_MS)}`],
        ["delivery log, type + failures + range", () => `${log}?limit=50&eventType=invoice.paid&outcome=failure&from=${iso(6 * DAY_MS)}&to=${iso(DAY_MS)}`],
        ["delivery log, page 21 (cursor)", () => `${log}?limit=50&cursor=${deep}`],
        ["events, newest 50", () => `/v1/events?limit=50`],
        ["events, one type", () => `/v1/events?limit=50&type=user.updated`],
        ["events, one day 3 days ago", () => `/v1/events?limit=50&from=${iso(4 * DAY_MS)}&to=${iso(3 * DAY_MS)}`],
        ["stats, 24 h", () => `/v1/webhooks/${webhookId}/stats?window=24h`],
        ["stats, 7 d", () => `/v1/webhooks/${webhookId}/stats?window=7d`],
      ];
      for (const [name, path] of queries) {
        const { ms, status } = await timeGets(client, path, SAMPLES);
        const s = summarize(ms);
        rows.push({ query: name, n: s.n, "p50 ms": s.p50, "p95 ms": s.p95, "max ms": s.max, status: [...status].join(",") });
      }
      await client.close();
    } finally {
      await admin.close();
      await stack.stop();
    }
    notes.push("target: p95 < 50 ms for each at 1,000,000 attempts (issue #12); one client, one request at a time, API and Postgres on this machine");
    return { name: "portal-queries", title: `Portal reads at ${attempts.toLocaleString("en")} attempts`, params: { attempts }, rows, notes, durationSec: Math.round((Date.now() - started) / 1000) };
  },
};
