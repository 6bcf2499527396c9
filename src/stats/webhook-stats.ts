import type { Clock } from "../lib/clock";
import type { Db, Sql } from "../lib/prisma";
import { ownedWebhook } from "../webhooks/owned";
import { addHistograms, emptyHistogram, LATENCY_BOUNDS_MS, percentile } from "./latency-histogram";
import type { StatsWindow, WebhookStatsDto } from "./schemas";

const HOUR_MS = 3_600_000;
/**
 * An hour is sealed, and its counts stored, this long after it ends: an attempt is logged with
 * the time it started, after its answer or its 5 s timeout, so attempts of an hour keep arriving
 * for a few seconds past it. One logged later still (a worker cut off from Postgres for longer)
 * is missing from the stored hour; the delivery log has it.
 */
const SETTLE_MS = 10 * 60_000;

interface HourCounts {
  successes: number;
  failures: number;
  latency: number[];
}

const floorHour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;

// Hours are UTC hours whatever the session's time zone.
const AGGREGATE = `
  SELECT date_trunc('hour', started_at, 'UTC') AS hour, width_bucket(response_time_ms, $4::int[]) AS bucket,
         count(*) FILTER (WHERE success)::int AS successes, count(*) FILTER (WHERE NOT success)::int AS failures
    FROM delivery_attempts
   WHERE webhook_id = $1 AND started_at >= $2 AND started_at < $3
   GROUP BY 1, 2`;

/**
 * A webhook's success rate, response-time percentiles and attempts per hour, for the last
 * 24 hours or 7 days. Sealed hours come from webhook_hourly_stats, computed from the attempt
 * log the first time they are asked for; only the last hour or two are counted live. So the
 * cost of a read does not grow with the webhook's traffic beyond one hour of it.
 */
export function createWebhookStats(deps: { db: Db; sql: Sql; clock: Clock }) {
  const { db, sql } = deps;

  async function countAttempts(webhookId: string, from: number, to: number): Promise<Map<number, HourCounts>> {
    const { rows } = await sql.query<{ hour: Date; bucket: number; successes: number; failures: number }>(AGGREGATE, [
      webhookId,
      new Date(from),
      new Date(to),
      LATENCY_BOUNDS_MS,
    ]);
    const hours = new Map<number, HourCounts>();
    for (const r of rows) {
      const key = r.hour.getTime();
      const h = hours.get(key) ?? { successes: 0, failures: 0, latency: emptyHistogram() };
      h.successes += r.successes;
      h.failures += r.failures;
      h.latency[r.bucket] = (h.latency[r.bucket] ?? 0) + r.successes + r.failures;
      hours.set(key, h);
    }
    return hours;
  }

  /** The sealed hours in [from, sealedEnd), stored ones read, missing ones computed and stored. */
  async function sealedHours(webhookId: string, from: number, sealedEnd: number): Promise<Map<number, HourCounts>> {
    const hours = new Map<number, HourCounts>();
    if (sealedEnd <= from) return hours;
    const stored = await db.webhookHourlyStats.findMany({
      where: { webhookId, hour: { gte: new Date(from), lt: new Date(sealedEnd) } },
    });
    for (const s of stored) hours.set(s.hour.getTime(), { successes: s.successes, failures: s.failures, latency: s.latency });
    const missing: number[] = [];
    for (let h = from; h < sealedEnd; h += HOUR_MS) if (!hours.has(h)) missing.push(h);
    if (missing.length === 0) return hours;
    const counted = await countAttempts(webhookId, missing[0]!, missing[missing.length - 1]! + HOUR_MS);
    const rows = missing.map((h) => {
      const c = counted.get(h) ?? { successes: 0, failures: 0, latency: emptyHistogram() };
      hours.set(h, c);
      return { webhookId, hour: new Date(h), ...c };
    });
    // Two readers may seal the same hour at once; both computed the same counts.
    await db.webhookHourlyStats.createMany({ data: rows, skipDuplicates: true });
    return hours;
  }

  return {
    async get(accountId: string, webhookId: string, window: StatsWindow): Promise<WebhookStatsDto> {
      await ownedWebhook(db, accountId, webhookId);
      const now = deps.clock.now().getTime();
      const hourCount = window === "24h" ? 24 : 168;
      const from = floorHour(now) - (hourCount - 1) * HOUR_MS;
      // The first hour not sealed yet: hour h is sealed once h + 1 h + SETTLE_MS has passed.
      const sealedEnd = Math.max(from, floorHour(now - SETTLE_MS - HOUR_MS) + HOUR_MS);
      const [sealed, live] = await Promise.all([sealedHours(webhookId, from, sealedEnd), countAttempts(webhookId, sealedEnd, now + 1)]);

      const total = emptyHistogram();
      let successes = 0;
      let failures = 0;
      const hourly: WebhookStatsDto["hourly"] = [];
      for (let h = from; h <= floorHour(now); h += HOUR_MS) {
        const c = sealed.get(h) ?? live.get(h);
        hourly.push({ hour: new Date(h).toISOString(), successes: c?.successes ?? 0, failures: c?.failures ?? 0 });
        if (!c) continue;
        successes += c.successes;
        failures += c.failures;
        addHistograms(total, c.latency);
      }
      const attempts = successes + failures;
      return {
        window,
        from: new Date(from).toISOString(),
        to: new Date(now).toISOString(),
        attempts,
        successes,
        failures,
        successRate: attempts > 0 ? successes / attempts : null,
        p50Ms: percentile(total, 0.5),
        p95Ms: percentile(total, 0.95),
        hourly,
      };
    },
  };
}

export type WebhookStatsService = ReturnType<typeof createWebhookStats>;
