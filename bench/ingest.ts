import { ApiClient, EVENT_TYPE, apiUrlsFor, eventData, setupAccount } from "../harness/api-client";
import { startStack } from "../harness/stack";
import { nowMs, perSec, round1, summarize } from "../harness/stats";
import type { BenchContext, Cell, Scenario, ScenarioResult } from "./types";

/**
 * 4. Ingest: events/s the API accepts (committed with their fan-out rows, then enqueued) on
 * POST /v1/events and on the batch route, closed loop over keep-alive connections. No worker
 * runs, so the API has the machine to itself apart from Postgres, Redis and the client.
 */
const WEBHOOKS = 3;
const BATCH = 100;

interface Route {
  label: string;
  connections: number;
  eventsPerRequest: number;
  call(client: ApiClient, seq: number): Promise<number>;
}

const ROUTES: Route[] = [
  {
    label: "POST /v1/events",
    connections: 16,
    eventsPerRequest: 1,
    call: async (c, seq) => (await c.post("/v1/events", { type: EVENT_TYPE, data: eventData("ingest", seq) })).status,
  },
  {
    label: `POST /v1/events/batch (${BATCH}/request)`,
    connections: 4,
    eventsPerRequest: BATCH,
    call: async (c, seq) =>
      (await c.post("/v1/events/batch", { events: Array.from({ length: BATCH }, (_, k) => ({ type: EVENT_TYPE, data: eventData("ingest", seq + k) })) })).status,
  },
];

export const ingest: Scenario = {
  name: "ingest",
  async run(ctx: BenchContext): Promise<ScenarioResult> {
    const durationMs = ctx.opts.quick ? 5_000 : 10_000;
    const stack = await startStack({ name: "ingest", adminDatabaseUrl: ctx.databaseUrl, redisUrl: ctx.redisUrl, concurrency: ctx.opts.concurrency, profileDir: ctx.opts.profileDir });
    const admin = new ApiClient(stack.apiUrl, stack.adminKey, 2);
    const rows: Record<string, Cell>[] = [];
    try {
      const { apiKey } = await setupAccount(admin, "ingest", apiUrlsFor(ctx.receiver.url, "ingest", WEBHOOKS));
      let seq = 0;
      for (const route of ROUTES) {
        ctx.log(`ingest: ${route.label}, ${route.connections} connections, ${durationMs / 1000} s`);
        const client = admin.withKey(apiKey, route.connections);
        const before = await countRows(stack.db);
        const latencies: number[] = [];
        let accepted = 0;
        let failed = 0;
        const started = nowMs();
        const lane = async () => {
          while (nowMs() - started < durationMs) {
            const t = nowMs();
            const status = await route.call(client, seq).catch(() => 0);
            seq += route.eventsPerRequest;
            latencies.push(nowMs() - t);
            if (status === 202) accepted += route.eventsPerRequest;
            else failed++;
          }
        };
        await Promise.all(Array.from({ length: route.connections }, lane));
        const elapsed = nowMs() - started;
        await client.close();
        const after = await countRows(stack.db);
        const lat = summarize(latencies);
        rows.push({
          route: route.label,
          connections: route.connections,
          "events/s": perSec(accepted, elapsed),
          "requests/s": perSec(latencies.length, elapsed),
          "delivery rows/s": perSec(after.deliveries - before.deliveries, elapsed),
          "failed requests": failed,
          "request p50 ms": lat.p50,
          "request p99 ms": lat.p99,
          seconds: round1(elapsed / 1000),
        });
      }
    } finally {
      await admin.close();
      await stack.stop();
    }
    return {
      name: "ingest",
      title: "Ingest: events accepted (committed with fan-out rows, then enqueued), closed loop",
      params: { "seconds each": durationMs / 1000, "webhooks/event": WEBHOOKS, "data bytes": Buffer.byteLength(JSON.stringify(eventData("ingest", 0))), "worker processes": 0 },
      rows,
      notes: [],
    };
  },
};

async function countRows(db: { query: (sql: string) => Promise<{ rows: { deliveries: string }[] }> }) {
  const { rows } = await db.query("SELECT count(*) AS deliveries FROM deliveries");
  return { deliveries: Number(rows[0]!.deliveries) };
}
