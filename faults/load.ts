import { type ApiClient, EVENT_TYPE, eventData } from "../harness/api-client";
import { sleep } from "../harness/stats";

/**
 * The producer a careful product service would be: events go out in batches on a wall-clock
 * schedule, each carrying an idempotency key, and a batch that is not answered 202 is sent
 * again, byte for byte, until it is (or until `giveUpAfterMs`). So whatever the fault, every
 * event should end up stored exactly once, and the load records what the API answered.
 */
export interface LoadPlan {
  /** Goes into every event's data; the receiver files arrivals under it. */
  tag: string;
  events: number;
  ratePerSec: number;
  batchSize: number;
  /** An idempotency key per event, or one per batch (the API derives the events' from it). */
  keys: "event" | "batch";
  giveUpAfterMs: number;
}

export interface LoadReport {
  events: number;
  /** seq → id of the stored event, from the first 202 that named it. */
  accepted: Map<number, string>;
  /** How often each answer came: "202", "503", … or "network <code>" when there was none. */
  answers: Map<string, number>;
  /** 202s that were replays of an earlier acceptance (Idempotent-Replayed). */
  replayed: number;
  /** The slowest answer of any kind, ms, and when it was asked (ms after the start). */
  slowestMs: number;
  slowestAt: number;
  startedAt: number;
  /** When the last batch was accepted (or given up on). */
  endedAt: number;
  /** Seqs never accepted. */
  missing: number[];
}

const RETRY_PAUSE_MS = 250;

export function answerLabel(err: unknown): string {
  const e = err as { code?: string; cause?: { code?: string }; name?: string };
  return `network ${e?.code ?? e?.cause?.code ?? e?.name ?? "error"}`;
}

export async function runLoad(client: ApiClient, plan: LoadPlan): Promise<LoadReport> {
  const report: LoadReport = {
    events: plan.events,
    accepted: new Map(),
    answers: new Map(),
    replayed: 0,
    slowestMs: 0,
    slowestAt: 0,
    startedAt: Date.now(),
    endedAt: 0,
    missing: [],
  };
  const count = (label: string) => report.answers.set(label, (report.answers.get(label) ?? 0) + 1);
  const timed = (sent: number) => {
    const ms = Date.now() - sent;
    if (ms <= report.slowestMs) return;
    report.slowestMs = ms;
    report.slowestAt = sent - report.startedAt;
  };
  const batches = Math.ceil(plan.events / plan.batchSize);
  const spacingMs = (plan.batchSize / plan.ratePerSec) * 1000;

  const sendBatch = async (b: number) => {
    const first = b * plan.batchSize;
    const seqs = Array.from({ length: Math.min(plan.batchSize, plan.events - first) }, (_, k) => first + k);
    const body = {
      events: seqs.map((seq) => ({
        type: EVENT_TYPE,
        data: eventData(plan.tag, seq),
        ...(plan.keys === "event" ? { idempotencyKey: `${plan.tag}-${seq}` } : {}),
      })),
      ...(plan.keys === "batch" ? { idempotencyKey: `${plan.tag}-b${b}` } : {}),
    };
    const deadline = Date.now() + plan.giveUpAfterMs;
    for (;;) {
      const sent = Date.now();
      try {
        const res = await client.post("/v1/events/batch", body);
        timed(sent);
        const data = (res.body as { data?: { id?: unknown }[] } | null)?.data;
        if (res.status === 202 && Array.isArray(data) && data.length === seqs.length) {
          count("202");
          if (res.headers["idempotent-replayed"] === "true") report.replayed++;
          seqs.forEach((seq, k) => {
            if (!report.accepted.has(seq)) report.accepted.set(seq, String(data[k]!.id));
          });
          return;
        }
        count(res.status === 202 ? "202 without the events" : String(res.status));
      } catch (err) {
        timed(sent);
        count(answerLabel(err));
      }
      if (Date.now() >= deadline) return;
      await sleep(RETRY_PAUSE_MS);
    }
  };

  const inFlight: Promise<void>[] = [];
  for (let b = 0; b < batches; b++) {
    const due = report.startedAt + b * spacingMs;
    if (due > Date.now()) await sleep(due - Date.now());
    inFlight.push(sendBatch(b));
  }
  await Promise.all(inFlight);
  report.endedAt = Date.now();
  for (let seq = 0; seq < plan.events; seq++) if (!report.accepted.has(seq)) report.missing.push(seq);
  return report;
}

/** "202×40, 503×3" */
export function describeAnswers(answers: Map<string, number>): string {
  return [...answers.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([label, n]) => `${label}×${n}`)
    .join(", ");
}
