import { type ApiClient, EVENT_TYPE, eventData } from "../harness/api-client";
import { nowMs, sleep } from "../harness/stats";

/**
 * Producers. `emitBatches` pushes a fixed number of events as fast as the API takes them;
 * `emitOpenLoop` sends single events on a wall-clock schedule without waiting for answers, so
 * a slow API shows up as latency instead of as a lower offered rate.
 */
export async function emitBatches(client: ApiClient, tag: string, events: number, opts: { batchSize: number; parallel: number }): Promise<void> {
  let next = 0;
  const lane = async () => {
    for (;;) {
      const start = next;
      if (start >= events) return;
      next = Math.min(events, start + opts.batchSize);
      const batch = Array.from({ length: next - start }, (_, k) => ({ type: EVENT_TYPE, data: eventData(tag, start + k) }));
      const res = await client.post("/v1/events/batch", { events: batch });
      if (res.status !== 202) throw new Error(`batch ingest answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
  };
  await Promise.all(Array.from({ length: opts.parallel }, lane));
}

export interface OpenLoopResult {
  /** Epoch ms of the schedule's start and end. */
  startedAt: number;
  endedAt: number;
  sent: number;
  accepted: number;
  rejected: number;
  errors: number;
  /** Answers still outstanding when the caller stopped waiting. */
  unanswered: number;
  /** Ingest request round trips (ms) of the answered ones. */
  ingestMs: number[];
}

export async function emitOpenLoop(client: ApiClient, tag: string, ratePerSec: number, durationMs: number, answerGraceMs: number): Promise<OpenLoopResult> {
  const total = Math.round((ratePerSec * durationMs) / 1000);
  const interval = 1000 / ratePerSec;
  const r: OpenLoopResult = { startedAt: nowMs(), endedAt: 0, sent: 0, accepted: 0, rejected: 0, errors: 0, unanswered: 0, ingestMs: [] };
  const inFlight = new Set<Promise<void>>();
  const send = (seq: number, due: number) => {
    const p = client
      .post("/v1/events", { type: EVENT_TYPE, data: eventData(tag, seq, due) })
      .then((res) => {
        if (res.status === 202) {
          r.accepted++;
          r.ingestMs.push(nowMs() - due);
        } else r.rejected++;
      })
      .catch(() => {
        r.errors++;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  while (r.sent < total) {
    const now = nowMs();
    // Everything due by now goes out now, stamped with when it was due (no coordinated omission).
    while (r.sent < total && r.startedAt + r.sent * interval <= now) {
      send(r.sent, r.startedAt + r.sent * interval);
      r.sent++;
    }
    await sleep(1);
  }
  r.endedAt = nowMs();
  const deadline = Date.now() + answerGraceMs;
  while (inFlight.size > 0 && Date.now() < deadline) await sleep(20);
  r.unanswered = inFlight.size;
  return r;
}
