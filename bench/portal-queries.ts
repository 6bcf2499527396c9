import type { Pool } from "pg";
import { ApiClient, apiUrlsFor, setupAccount } from "../harness/api-client";
import { startStack } from "../harness/stack";
import { nowMs, round1, summarize } from "../harness/stats";
import type { BenchContext, Cell, Scenario, ScenarioResult } from "./types";

/**
 * The portal's reads at size: the delivery log (each filter, and a page deep behind a cursor),
 * the events list and the stats, for one webhook with 1,000,000 attempts over 7 days (100,000
 * with --quick), through the real API. Target: p95 < 50 ms each. The rows are written by SQL
 * (generate_series), not by delivering them: this measures reading, and a million deliveries
 * would take the bench minutes to make.
 */
const TYPES = ["message.created", "chat.status_changed", "meta.message", "invoice.paid", "user.updated"];
const DAY_MS = 86_400_000;
const SAMPLES = 60;

async function seed(db: Pool, accountId: string, webhookId: string, n: number): Promise<void> {
  // Ids keep the API's shape (26 characters of its alphabet) and its order (by time).
  const id = (prefix: string) => `'${prefix}_' || lpad(upper(to_hex(g)), 26, '0')`;
  const at = `now() - ((($2::int - g)::float8 / $2::int) * interval '7 days')`;
  const type = `(ARRAY[${TYPES.map((t) => `'${t}'`).join(",")}])[1 + g % ${TYPES.length}]`;
  await db.query(
    `INSERT INTO events (id, account_id, type, data, is_test, created_at)
     SELECT ${id("evt")}, $1, ${type}, '{"n":1}', false, ${at} FROM generate_series(1, $2::int) g`,
    [accountId, n],
  );
  await db.query(
    `INSERT INTO deliveries (id, account_id, webhook_id, event_id, event_type, status, attempt_count, chain_attempts, created_at, updated_at)
     SELECT ${id("dlv")}, $1, $3, ${id("evt")}, ${type}, CASE WHEN g % 20 = 0 THEN 'failed' ELSE 'succeeded' END::delivery_status, 1, 1, ${at}, ${at}
       FROM generate_series(1, $2::int) g`,
    [accountId, n, webhookId],
  );
  // One in twenty fails; response times spread from 1 ms to a few seconds, most around 30-100 ms.
  await db.query(
    `INSERT INTO delivery_attempts (id, delivery_id, webhook_id, account_id, event_id, event_type, attempt_number, is_test, success,
                                    request_url, request_headers, response_status, response_time_ms, response_body, error_class, error_message, started_at, created_at)
     SELECT ${id("att")}, ${id("dlv")}, $3, $1, ${id("evt")}, ${type}, 1, false, g % 20 <> 0,
            'https://example.com/hook', '{"content-type":"application/json"}'::jsonb, CASE WHEN g % 20 = 0 THEN 503 ELSE 200 END,
            (exp(random() * 8))::int, 'ok', NULL, CASE WHEN g % 20 = 0 THEN '503 Service Unavailable' END, ${at}, ${at}
       FROM generate_series(1, $2::int) g`,
    [accountId, n, webhookId],
  );
  await db.query("ANALYZE events; ANALYZE deliveries; ANALYZE delivery_attempts");
}

async function timeGets(client: ApiClient, path: () => string, samples: number): Promise<{ ms: number[]; status: Set<number> }> {
  const ms: number[] = [];
  const status = new Set<number>();
  for (let i = 0; i < samples + 3; i++) {
    const started = nowMs();
    const res = await client.get(path());
    if (i >= 3) ms.push(nowMs() - started);
    status.add(res.status);
  }
  return { ms, status };
}

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
      await seed(stack.db, accountId, webhookId, attempts);
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
