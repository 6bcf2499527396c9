import { z } from "../lib/zod";

export const StatsQuery = z.strictObject({
  window: z.enum(["24h", "7d"]).default("24h").openapi({ description: "The last 24 hours (by hour) or the last 7 days (by hour)." }),
});

export const WebhookStats = z
  .object({
    window: z.enum(["24h", "7d"]),
    from: z.string().datetime().openapi({ description: "Start of the first hour counted." }),
    to: z.string().datetime(),
    attempts: z.number().int(),
    successes: z.number().int(),
    failures: z.number().int(),
    successRate: z.number().min(0).max(1).nullable().openapi({ description: "successes / attempts; null without attempts." }),
    p50Ms: z.number().int().nullable().openapi({ description: "Median response time of all attempts, from a histogram (within its bucket's width)." }),
    p95Ms: z.number().int().nullable(),
    hourly: z.array(z.object({ hour: z.string().datetime(), successes: z.number().int(), failures: z.number().int() })),
  })
  .openapi("WebhookStats");

export type StatsWindow = z.output<typeof StatsQuery>["window"];
export type WebhookStatsDto = z.output<typeof WebhookStats>;
