import type { ApiClient } from "../harness/api-client";
import { cpuPerUnit, startCpuMeter, type CpuGroup } from "../harness/cpu";
import { emitOpenLoop } from "./emit";
import type { ReceiverHandle, ReceiverStats } from "../harness/receiver";
import { perSec, round1, summarize, waitFor } from "../harness/stats";
import type { Cell } from "./types";

/**
 * One open-loop run as sustained, isolation and memory use it: send at a fixed rate, then
 * give the deliveries a bounded time to arrive, and read what the receiver saw.
 */
export interface StepOptions {
  tag: string;
  ratePerSec: number;
  durationMs: number;
  /** Deliveries each accepted event should produce at the paths counted. */
  fanOut: number;
  /** Count only these receiver paths (default: all). */
  paths?: string[];
  /** How long after the last send to wait for the remaining deliveries. */
  graceMs: number;
  /** Processes whose CPU time to report per delivery, if any. */
  cpu?: Record<string, CpuGroup>;
}

export interface StepResult {
  row: Record<string, Cell>;
  stats: ReceiverStats;
}

export async function openLoopStep(client: ApiClient, receiver: ReceiverHandle, o: StepOptions): Promise<StepResult> {
  await receiver.forget(o.tag);
  const cpu = o.cpu ? startCpuMeter(o.cpu) : null;
  const sent = await emitOpenLoop(client, o.tag, o.ratePerSec, o.durationMs, o.graceMs);
  const expected = sent.accepted * o.fanOut;
  const query = { tag: o.tag, ...(o.paths ? { paths: o.paths } : {}) };
  await waitFor(async () => (await receiver.stats(query)).unique >= expected, Math.max(0, sent.endedAt + o.graceMs - Date.now()), 100);
  const cpuUsed = cpu?.stop();
  const stats = await receiver.stats({ ...query, from: sent.startedAt, to: sent.endedAt });
  const all = await receiver.stats({ tag: "*", from: sent.startedAt, to: sent.endedAt });
  const ingest = summarize(sent.ingestMs);
  return {
    stats,
    row: {
      "events/s offered": o.ratePerSec,
      "events accepted": sent.accepted,
      "ingest failed or unanswered": sent.rejected + sent.errors + sent.unanswered,
      "deliveries/s achieved": perSec(stats.inWindow, sent.endedAt - sent.startedAt),
      // Includes earlier steps' backlog: what the pipeline delivered while this step sent.
      "all deliveries/s in window": perSec(all.inWindow, sent.endedAt - sent.startedAt),
      delivered: stats.unique,
      "not arrived": Math.max(0, expected - stats.unique),
      "p50 ms": stats.latency.p50,
      "p95 ms": stats.latency.p95,
      "p99 ms": stats.latency.p99,
      "max ms": stats.latency.max,
      "stored → arrival p99 ms": stats.sinceStored.p99,
      "ingest p50 ms": ingest.p50,
      "ingest p99 ms": ingest.p99,
      "send seconds": round1((sent.endedAt - sent.startedAt) / 1000),
      ...(cpuUsed ? { "CPU ms/delivery": cpuPerUnit(cpuUsed, stats.unique) } : {}),
    },
  };
}

/**
 * Freshly started processes take a second or two to boot and several more before V8 has
 * compiled their hot paths: a first step measured cold ran at twice the CPU per delivery of
 * the same step run warm. Three seconds at the rate about to be measured, whose deliveries
 * must all arrive, show the pipeline is up and warm before the clock starts.
 */
const WARM_UP_MS = 3_000;

export async function warmUp(client: ApiClient, receiver: ReceiverHandle, o: { ratePerSec: number; fanOut: number; paths?: string[] }): Promise<void> {
  const tag = `warmup-${Date.now()}`;
  const sent = await emitOpenLoop(client, tag, o.ratePerSec, WARM_UP_MS, 10_000);
  if (sent.accepted === 0) throw new Error(`warm-up: no event accepted (${sent.rejected} rejected, ${sent.errors} errors)`);
  await waitFor(async () => (await receiver.stats({ tag, ...(o.paths ? { paths: o.paths } : {}) })).unique >= sent.accepted * o.fanOut, 30_000, 100);
  await receiver.forget(tag);
}
