import type { Pool } from "pg";
import type { ReceiverHandle } from "../harness/receiver";
import type { ProcessExit } from "../harness/stack";
import { sleep } from "../harness/stats";
import { describeAnswers, type LoadReport } from "./load";

/**
 * After a scenario: wait until nothing is pending, then hold three independent records against
 * each other: what the producer was told (202s and their event ids), what Postgres holds
 * (events, deliveries, the attempt log) and what the receiver saw (each request's delivery id,
 * event seq, and whether a 2xx answer actually went out). Every mismatch becomes a problem.
 */
export interface WebhookExpectation {
  id: string;
  /** The receiver path its url points at. */
  path: string;
  /** How every delivery to it must end. */
  outcome: "succeeded" | "failed";
}

export interface Verdict {
  /** Events the producer sent. */
  events: number;
  /** Deliveries that should exist: accepted events × webhooks. */
  deliveries: number;
  /** Distinct deliveries the receiver answered 2xx. */
  delivered: number;
  /** Deliveries that ended failed, as expected. */
  failed: number;
  /** Expected to arrive and did not (or were never created, or are stuck). */
  lost: number;
  /** Arrived or were stored but should not have: unknown ids, doubled events or deliveries, a wrong path. */
  unexpected: number;
  /** 2xx answers beyond the first per delivery. */
  duplicates: number;
  /** Requests of stored deliveries that got no 2xx: refused by the receiver, or cut off before the answer went out. */
  notAccepted: number;
  settleMs: number | null;
  problems: string[];
  /** Per-delivery detail, for scenario-specific checks. */
  rows: DeliveryRow[];
}

export interface DeliveryRow {
  id: string;
  webhookId: string;
  eventId: string;
  status: string;
  attemptCount: number;
  logged: number;
  successes: number;
}

/** Polls until the account has `expected` deliveries and none pending; resolves to ms taken, or null on timeout. */
export async function settle(db: Pool, accountId: string, expected: number, timeoutMs: number): Promise<number | null> {
  const started = Date.now();
  for (;;) {
    const { rows } = await db.query<{ total: string; pending: string }>(
      `SELECT count(*) AS total, count(*) FILTER (WHERE status = 'pending') AS pending FROM deliveries WHERE account_id = $1 AND NOT is_test`,
      [accountId],
    );
    if (Number(rows[0]!.total) >= expected && Number(rows[0]!.pending) === 0) return Date.now() - started;
    if (Date.now() - started > timeoutMs) return null;
    await sleep(250);
  }
}

export interface VerifyInput {
  db: Pool;
  receiver: ReceiverHandle;
  accountId: string;
  tag: string;
  load: LoadReport;
  webhooks: WebhookExpectation[];
  settleMs: number | null;
  /** Answers besides 202 the producer may see; "network" allows any connection failure. */
  allowedAnswers: string[];
  maxDuplicates: number;
  /**
   * A worker whose link was cut may report a success after another worker took its job over and
   * delivered it again; both are logged (both happened). With this, a succeeded delivery may log
   * one success per 2xx the receiver sent for it, and at least one; without it, exactly one.
   */
  lateSuccesses?: boolean;
  crashes: ProcessExit[];
}

const SEQ = /"seq":(\d+)/;

export async function verify(input: VerifyInput): Promise<Verdict> {
  const { db, load, webhooks } = input;
  const problems: string[] = [];
  let unexpected = 0;
  let lost = 0;
  const flag = (n: number, what: string) => {
    if (n > 0) problems.push(`${n} ${what}`);
  };

  // What the producer was told against what Postgres stored: its own events, not the
  // operational ones hookrelay raised about the account's webhooks meanwhile (src/operational/).
  const { rows: events } = await db.query<{ id: string; data: string }>(
    `SELECT id, data FROM events e WHERE account_id = $1 AND NOT is_test AND NOT EXISTS (SELECT 1 FROM operational_events o WHERE o.event_id = e.id)`,
    [input.accountId],
  );
  const seqOf = new Map<string, number>();
  const storedPerSeq = new Map<number, number>();
  for (const e of events) {
    const seq = Number(SEQ.exec(e.data)?.[1] ?? -1);
    seqOf.set(e.id, seq);
    storedPerSeq.set(seq, (storedPerSeq.get(seq) ?? 0) + 1);
  }
  const doubled = [...storedPerSeq.entries()].filter(([, n]) => n > 1).length;
  const strangers = [...storedPerSeq.keys()].filter((seq) => !(seq >= 0 && seq < load.events)).length;
  const notStored = [...load.accepted.entries()].filter(([seq, id]) => seqOf.get(id) !== seq).length;
  unexpected += doubled + strangers;
  flag(doubled, "events stored more than once");
  flag(strangers, "events stored that were never sent");
  flag(notStored, "events answered 202 but not stored (or stored as another event)");
  flag(load.missing.length, `events never accepted (answers: ${describeAnswers(load.answers)})`);
  const refused = [...load.answers.entries()].filter(([label]) => label !== "202" && !input.allowedAnswers.some((a) => label === a || label.startsWith(`${a} `)));
  for (const [label, n] of refused) problems.push(`ingestion answered ${label} ${n} times (allowed: 202${input.allowedAnswers.map((a) => `, ${a}`).join("")})`);

  // Deliveries and their attempt log.
  const { rows: raw } = await db.query<{ id: string; webhook_id: string; event_id: string; status: string; attempt_count: number; logged: string; successes: string }>(
    `SELECT d.id, d.webhook_id, d.event_id, d.status::text AS status, d.attempt_count,
            count(a.id) AS logged, count(a.id) FILTER (WHERE a.success) AS successes
       FROM deliveries d LEFT JOIN delivery_attempts a ON a.delivery_id = d.id
      WHERE d.account_id = $1 AND NOT d.is_test
      GROUP BY d.id`,
    [input.accountId],
  );
  const rows: DeliveryRow[] = raw.map((r) => ({
    id: r.id,
    webhookId: r.webhook_id,
    eventId: r.event_id,
    status: r.status,
    attemptCount: r.attempt_count,
    logged: Number(r.logged),
    successes: Number(r.successes),
  }));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const hookById = new Map(webhooks.map((w) => [w.id, w]));
  const hookByPath = new Map(webhooks.map((w) => [w.path, w]));
  const perPair = new Map<string, DeliveryRow[]>();
  for (const r of rows) {
    const key = `${r.eventId} ${r.webhookId}`;
    perPair.set(key, [...(perPair.get(key) ?? []), r]);
  }
  const expectedIds = new Set<string>();
  let missingRows = 0;
  let doubledRows = 0;
  for (const eventId of new Set(load.accepted.values())) {
    for (const w of webhooks) {
      const found = perPair.get(`${eventId} ${w.id}`) ?? [];
      if (found.length === 0) missingRows++;
      if (found.length > 1) doubledRows += found.length - 1;
      if (found[0] && w.outcome === "succeeded") expectedIds.add(found[0].id);
    }
  }
  const unlogged = rows.filter((r) => r.logged !== r.attemptCount).length;
  const wrongOutcome = rows.filter((r) => r.status !== (hookById.get(r.webhookId)?.outcome ?? "?")).length;
  const failed = rows.filter((r) => r.status === "failed" && hookById.get(r.webhookId)?.outcome === "failed").length;
  lost += missingRows;
  unexpected += doubledRows;
  flag(missingRows, "deliveries never created for accepted events");
  flag(doubledRows, "deliveries created twice for one event and webhook");
  flag(unlogged, "deliveries whose attempt count differs from the attempts logged");
  flag(wrongOutcome, "deliveries that did not end as expected (see below)");
  if (wrongOutcome > 0) {
    const tally = new Map<string, number>();
    for (const r of rows) {
      const want = hookById.get(r.webhookId)?.outcome;
      if (r.status !== want) tally.set(`${r.status} instead of ${want}`, (tally.get(`${r.status} instead of ${want}`) ?? 0) + 1);
    }
    problems.push(`  ${[...tally.entries()].map(([k, n]) => `${k}: ${n}`).join("; ")}`);
  }

  // What the receiver saw.
  const seen = await input.receiver.arrivals(input.tag);
  const acceptedIds = new Set<string>();
  const answersPerId = new Map<string, number>();
  let acceptedAnswers = 0;
  let notAccepted = 0;
  let strays = 0;
  for (let i = 0; i < seen.ids.length; i++) {
    const row = byId.get(seen.ids[i]!);
    const hook = hookByPath.get(seen.paths[i]!);
    const rightPlace = row && hook && row.webhookId === hook.id && seqOf.get(row.eventId) === seen.seqs[i];
    if (!rightPlace) {
      strays++;
      continue;
    }
    if (seen.accepted[i] === 1) {
      acceptedAnswers++;
      acceptedIds.add(row.id);
      answersPerId.set(row.id, (answersPerId.get(row.id) ?? 0) + 1);
    } else notAccepted++;
  }
  const wronglyAccepted = [...acceptedIds].filter((id) => !expectedIds.has(id)).length;
  const neverArrived = [...expectedIds].filter((id) => !acceptedIds.has(id)).length;
  unexpected += strays + wronglyAccepted;
  lost += neverArrived;
  flag(strays, "requests at the receiver that match no stored delivery (unknown id, wrong path or wrong event)");
  flag(wronglyAccepted, "deliveries accepted by the receiver that should have failed");
  flag(neverArrived, "deliveries that should have arrived and never got a 2xx from the receiver");
  const succeeded = rows.filter((r) => r.status === "succeeded");
  if (input.lateSuccesses) {
    const badSuccessLog = succeeded.filter((r) => r.successes < 1 || r.successes > (answersPerId.get(r.id) ?? 0)).length;
    flag(badSuccessLog, "succeeded deliveries with no successful attempt logged, or more than the receiver answered 2xx");
  } else flag(succeeded.filter((r) => r.successes !== 1).length, "succeeded deliveries without exactly one successful attempt logged");
  const duplicates = acceptedAnswers - acceptedIds.size;
  if (duplicates > input.maxDuplicates) problems.push(`${duplicates} duplicate deliveries (at most ${input.maxDuplicates} allowed here)`);

  if (input.settleMs === null) {
    const pending = rows.filter((r) => r.status === "pending").length;
    problems.push(`not settled in time: ${pending} deliveries still pending, ${Math.max(0, load.accepted.size * webhooks.length - rows.length)} not yet created`);
  }
  for (const c of input.crashes) problems.push(`${c.name} (pid ${c.pid}) crashed (${c.signal ?? `exit ${c.code}`}): ${c.tail.slice(-5).join(" | ")}`);

  return {
    events: load.events,
    deliveries: load.accepted.size * webhooks.length,
    delivered: [...acceptedIds].filter((id) => expectedIds.has(id)).length,
    failed,
    lost,
    unexpected,
    duplicates,
    notAccepted,
    settleMs: input.settleMs,
    problems,
    rows,
  };
}
