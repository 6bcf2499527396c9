import type { ApiClient } from "../harness/api-client";
import type { CpuGroup } from "../harness/cpu";
import type { ReceiverHandle } from "../harness/receiver";
import { openLoopStep, warmUp } from "./open-loop-step";
import type { BenchContext, Cell } from "./types";

/**
 * The open-loop ladder that sustained and floor both climb, so their figures compare: the same
 * rates, step length, fan-out, receiver and load generator. A step passes when every delivery
 * arrived and p99 stayed under the target; the best rate is the highest passing step's.
 */
export const P99_TARGET_MS = 250;
const RATES = {
  quick: [100, 200, 300, 400, 500, 600, 800, 1_000, 1_200],
  full: [100, 150, 200, 250, 300, 350, 400, 450, 500, 550, 600, 700, 800, 900, 1_000, 1_200, 1_400, 1_600],
};
const GRACE_MS = 5_000;

export interface Ladder {
  rows: Record<string, Cell>[];
  /** Deliveries/s of the highest step that passed, if any did. */
  best: number | null;
  notes: string[];
}

export function ladderParams(ctx: BenchContext) {
  return { "events/s offered": RATES[ctx.opts.quick ? "quick" : "full"].join(", "), "seconds each": stepMs(ctx) / 1000, "p99 target ms": P99_TARGET_MS };
}

const stepMs = (ctx: BenchContext) => (ctx.opts.quick ? 6_000 : 15_000);

export async function climb(
  ctx: BenchContext,
  o: { tag: string; client: (connections: number) => ApiClient; receiver: ReceiverHandle; fanOut: number; cpu: Record<string, CpuGroup> },
): Promise<Ladder> {
  const rates = RATES[ctx.opts.quick ? "quick" : "full"];
  const rows: Record<string, Cell>[] = [];
  const notes: string[] = [];
  let best: number | null = null;
  let misses = 0;
  const warm = o.client(16);
  await warmUp(warm, o.receiver, { ratePerSec: rates[0]!, fanOut: o.fanOut });
  await warm.close();
  for (const rate of rates) {
    ctx.log(`${o.tag}: ${rate} events/s for ${stepMs(ctx) / 1000} s`);
    // A fresh pool per step: requests a previous step left unanswered are dropped with it.
    const client = o.client(64);
    const { row } = await openLoopStep(client, o.receiver, { tag: `${o.tag}-${rate}`, ratePerSec: rate, durationMs: stepMs(ctx), fanOut: o.fanOut, graceMs: GRACE_MS, cpu: o.cpu });
    await client.close();
    const missing = Number(row["not arrived"]);
    const p99 = typeof row["p99 ms"] === "number" ? row["p99 ms"] : Infinity;
    const passed = missing === 0 && Number(row["ingest failed or unanswered"]) === 0 && p99 < P99_TARGET_MS;
    rows.push({ ...row, [`all arrived, p99 < ${P99_TARGET_MS}`]: passed ? "yes" : "no" });
    if (passed) {
      best = Math.max(best ?? 0, Number(row["deliveries/s achieved"]));
      misses = 0;
      continue;
    }
    // Over capacity (a queue that grows), or p99 missed twice running: higher rates only measure a longer queue.
    if (missing > 0 || ++misses >= 2) {
      const skipped = rates.filter((r) => r > rate);
      notes.push(`stopped at ${rate}/s (${missing > 0 ? `${missing} deliveries had not arrived ${GRACE_MS / 1000} s after the last send` : `p99 ${p99} ms twice running`})${skipped.length > 0 ? `; ${skipped.join(", ")}/s not run` : ""}`);
      break;
    }
  }
  if (best !== null && rows.every((r) => r[`all arrived, p99 < ${P99_TARGET_MS}`] === "yes")) notes.push("every rate tried passed: the best rate is at least the highest tried");
  return { rows, best, notes };
}
