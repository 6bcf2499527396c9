import { ApiClient, apiUrlsFor, setupAccount, timeGets } from "../harness/api-client";
import { startStack } from "../harness/stack";
import { nowMs, round1, summarize } from "../harness/stats";
import { DAY_MS, partitionedBytes, seedLog, settleLog, type LogShape } from "./log-seed";
import type { BenchContext, Cell, Scenario, ScenarioResult } from "./types";

/**
 * The log as it grows (issue #13): the delivery log's filters, a page deep behind a cursor, the
 * events list and the stats, through the real API, at 1M and 10M attempts (100k and 1M with
 * --quick; 100M too with --log-scale-max 100M). One database grows from one size to the next,
 * so the sizes compare: the same 30 days and webhooks, only denser. The rows are written by SQL
 * (bench/log-seed.ts) over 30 daily partitions, to an account with 10 webhooks of which the
 * measured one holds a fifth.
 */
const WEBHOOKS = 10;
const MEASURED_SHARE = 0.2;
const DAYS = 30;
const SAMPLES = 60;

export function logScaleSizes(ctx: BenchContext): number[] {
  const sizes = ctx.opts.quick ? [100_000, 1_000_000] : [1_000_000, 10_000_000];
  const max = ctx.opts.logScaleMax ?? 0;
  // Tenfold steps past the defaults up to the maximum asked for, and the maximum itself.
  for (let s = sizes[sizes.length - 1]! * 10; s <= max; s *= 10) sizes.push(s);
  if (max > sizes[sizes.length - 1]!) sizes.push(max);
  return sizes;
}

export const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1_000}k`);

export const logScale: Scenario = {
  name: "log-scale",
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const sizes = logScaleSizes(ctx);
    const stack = await startStack({ name: "log-scale", adminDatabaseUrl: ctx.databaseUrl, redisUrl: ctx.redisUrl, concurrency: ctx.opts.concurrency });
    const admin = new ApiClient(stack.apiUrl, stack.adminKey, 2);
    const byQuery = new Map<string, Record<string, Cell>>();
    const seeding: Record<string, Cell>[] = [];
    const notes: string[] = [];
    try {
      const { accountId, apiKey, webhookIds } = await setupAccount(admin, "log-scale", apiUrlsFor(ctx.receiver.url, "log-scale", WEBHOOKS));
      const webhookId = webhookIds[0]!;
      const shape: LogShape = { accountId, webhookIds, measuredShare: MEASURED_SHARE, endMs: Date.now() - 60_000, days: DAYS };
      const client = admin.withKey(apiKey, 1);
      const log = `/v1/webhooks/${webhookId}/deliveries`;
      const iso = (msAgo: number) => encodeURIComponent(new Date(Date.now() - msAgo).toISOString());
      let have = 0;
      for (const size of sizes) {
        ctx.log(`log-scale: growing the log from ${label(have)} to ${label(size)} attempts`);
        const t = nowMs();
        let lastLog = Date.now();
        await seedLog(stack.db, shape, have, size, {
          parallel: 2,
          progress: (rows) => {
            if (Date.now() - lastLog > 30_000) {
              lastLog = Date.now();
              ctx.log(`log-scale: ${label(have + rows)} written (${round1((nowMs() - t) / 1000)} s)`);
            }
          },
        });
        const wrote = (nowMs() - t) / 1000;
        const v = nowMs();
        await settleLog(stack.db);
        const settled = (nowMs() - v) / 1000;
        // Stored hourly counts of the smaller log would answer for the bigger one: seal again.
        await stack.db.query("DELETE FROM webhook_hourly_stats");
        const bytes = await Promise.all(["events", "deliveries", "delivery_attempts"].map((tbl) => partitionedBytes(stack.db, tbl)));
        seeding.push({
          attempts: label(size),
          "rows added (×3 tables)": size - have,
          "insert s": round1(wrote),
          "rows/s (each table)": Math.round((size - have) / wrote),
          "vacuum+analyze s": round1(settled),
          "events MB": Math.round(bytes[0]! / 2 ** 20),
          "deliveries MB": Math.round(bytes[1]! / 2 ** 20),
          "attempts MB": Math.round(bytes[2]! / 2 ** 20),
        });
        have = size;
        ctx.log(`log-scale: ${label(size)} seeded in ${round1(wrote)} s (+${round1(settled)} s vacuum), measuring`);

        // A cursor 20 pages of 50 deep, found once: what "Older" costs far down the log.
        let deep = "";
        for (let page = 0, cursor: string | null = null; page < 20; page++) {
          const res = await client.get(`${log}?limit=50${cursor ? `&cursor=${cursor}` : ""}`);
          cursor = (res.body as { nextCursor: string | null }).nextCursor;
          deep = cursor ?? "";
        }
        for (const window of ["24h", "7d"]) {
          const s = nowMs();
          await client.get(`/v1/webhooks/${webhookId}/stats?window=${window}`);
          notes.push(`${label(size)}: first stats read (${window}), which seals the past hours: ${round1(nowMs() - s)} ms`);
        }
        const queries: [string, () => string][] = [
          ["log, newest 50 (no filter)", () => `${log}?limit=50`],
          ["log, failures only", () => `${log}?limit=50&outcome=failure`],
          ["log, one event type", () => `${log}?limit=50&eventType=invoice.paid`],
          ["log, type + failures", () => `${log}?limit=50&eventType=invoice.paid&outcome=failure`],
          ["log, one day 3 days ago", () => `${log}?limit=50&from=${iso(4 * DAY_MS)}&to=${iso(3 * DAY_MS)}`],
          ["log, one day 20 days ago", () => `${log}?limit=50&from=${iso(21 * DAY_MS)}&to=${iso(20 * DAY_MS)}`],
          ["log, type + failures + 5-day range", () => `${log}?limit=50&eventType=invoice.paid&outcome=failure&from=${iso(6 * DAY_MS)}&to=${iso(DAY_MS)}`],
          ["log, page 21 (cursor)", () => `${log}?limit=50&cursor=${deep}`],
          ["events, newest 50", () => `/v1/events?limit=50`],
          ["events, one type", () => `/v1/events?limit=50&type=user.updated`],
          ["events, one day 3 days ago", () => `/v1/events?limit=50&from=${iso(4 * DAY_MS)}&to=${iso(3 * DAY_MS)}`],
          ["stats, 24 h", () => `/v1/webhooks/${webhookId}/stats?window=24h`],
          ["stats, 7 d", () => `/v1/webhooks/${webhookId}/stats?window=7d`],
        ];
        for (const [name, path] of queries) {
          const { ms, status } = await timeGets(client, path, SAMPLES);
          const s = summarize(ms);
          const row = byQuery.get(name) ?? { query: name };
          row[`p50 @${label(size)}`] = s.p50;
          row[`p95 @${label(size)}`] = s.p95;
          row[`status @${label(size)}`] = [...status].join(",");
          byQuery.set(name, row);
        }
      }
      await client.close();
    } finally {
      await admin.close();
      await stack.stop();
    }
    const first = label(sizes[0]!);
    const rows = [...byQuery.values()].map((r) => {
      const out: Record<string, Cell> = { ...r };
      for (const size of sizes.slice(1)) {
        const a = Number(r[`p95 @${first}`]);
        const b = Number(r[`p95 @${label(size)}`]);
        out[`p95 ${label(size)}/${first}`] = a > 0 ? Math.round((b / a) * 100) / 100 : null;
      }
      return out;
    });
    for (const s of seeding) notes.push(`seeded to ${s.attempts}: ${Object.entries(s).map(([k, v]) => `${k} ${String(v)}`).join(", ")}`);
    notes.push(
      `one account, ${WEBHOOKS} webhooks, the measured one holding ${MEASURED_SHARE * 100}% of the rows; ${DAYS} days in daily partitions; one event, delivery and attempt per row, 5% failed; one client, one request at a time, API and Postgres on this machine; ${SAMPLES} samples each after 3 unmeasured`,
    );
    return {
      name: "log-scale",
      title: `Log queries as the log grows: ${sizes.map(label).join(" → ")} attempts (ms)`,
      params: { sizes: sizes.map(label).join(", "), webhooks: WEBHOOKS, "measured share": MEASURED_SHARE, days: DAYS, samples: SAMPLES },
      rows,
      notes,
    };
  },
};
