import type { Pool } from "pg";
import { ApiClient, setupAccount } from "../harness/api-client";
import type { Behaviour } from "../harness/receiver";
import { rssSummary, startStack } from "../harness/stack";
import { sleep } from "../harness/stats";
import { runLoad } from "./load";
import { COMMON_ENV } from "./scenario";
import type { FaultContext, FaultScenario, Outcome } from "./types";
import { settle, verify, type Verdict } from "./verify";

/**
 * Receivers that misbehave, all at once on one stack, each on an origin of its own (as
 * separate customers would be) and under its own account, so each gets a row of the table.
 * Every behaviour has its documented outcome, checked against the attempt log.
 */
const BODY_CAP = 64 * 1024;
const WORKER_RSS_LIMIT_MIB = 400;
const SCHEDULE_LENGTH = COMMON_ENV.HOOKRELAY_RETRY_SCHEDULE!.split(",").length;

interface AttemptRow {
  delivery_id: string;
  attempt_number: number;
  success: boolean;
  response_status: number | null;
  error_class: string | null;
  body_length: number | null;
  started_at: Date;
}

interface Mode {
  name: string;
  title: string;
  behaviour: Behaviour;
  outcome: "succeeded" | "failed";
  maxDuplicates: (events: number) => number;
  /** Checks of its own, given every attempt of its deliveries (by delivery, in order). */
  check(attempts: Map<string, AttemptRow[]>, v: Verdict, problems: string[], notes: string[]): void;
}

const everyDelivery = (attempts: Map<string, AttemptRow[]>, ok: (a: AttemptRow[]) => boolean) => [...attempts.values()].filter((a) => !ok(a)).length;
const flag = (problems: string[], n: number, what: string) => n > 0 && problems.push(`${n} ${what}`);

const MODES: Mode[] = [
  {
    name: "slow",
    title: "receiver answers in 4.9 s",
    behaviour: { then: { kind: "slow", delayMs: 4_900 } },
    outcome: "succeeded",
    // 4.9 s against a 5 s timeout: on a busy machine some answers lose the race; one that goes
    // out as the attempt is abandoned makes the retry a second delivery. Only those can.
    maxDuplicates: (n) => n,
    check(attempts, v, problems, notes) {
      const retried = everyDelivery(attempts, (a) => a.length === 1);
      if (v.duplicates > retried) problems.push(`${v.duplicates} duplicates, but only ${retried} deliveries had an attempt time out`);
      notes.push(`${retried} timed out first (4.9 s + load > 5 s), retried`);
    },
  },
  {
    name: "hang",
    title: "receiver hangs (first try)",
    behaviour: { first: { kind: "hang" }, then: { kind: "status", status: 200 } },
    outcome: "succeeded",
    maxDuplicates: () => 0,
    check(attempts, _v, problems) {
      flag(problems, everyDelivery(attempts, (a) => a[0]?.error_class === "timeout" && !a[0].success && a.length >= 2), "deliveries whose first attempt is not logged as a timeout followed by a retry");
    },
  },
  {
    name: "cut",
    title: "receiver closes mid-body (first try)",
    behaviour: { first: { kind: "cut" }, then: { kind: "status", status: 200 } },
    outcome: "succeeded",
    maxDuplicates: () => 0,
    check(attempts, _v, problems, notes) {
      flag(problems, everyDelivery(attempts, (a) => a[0] !== undefined && !a[0].success && a[0].error_class !== null && a.length >= 2), "deliveries whose first attempt is not logged as a failed exchange followed by a retry");
      notes.push(`logged as ${[...new Set([...attempts.values()].map((a) => a[0]?.error_class))].join(", ")}`);
    },
  },
  {
    name: "huge",
    title: "receiver answers 100 MB",
    behaviour: { then: { kind: "huge", bytes: 100 * 1024 * 1024 } },
    outcome: "succeeded",
    maxDuplicates: () => 0,
    check(attempts, _v, problems) {
      flag(problems, everyDelivery(attempts, (a) => a.every((x) => !x.success || x.body_length === BODY_CAP)), `deliveries whose logged response body is not cut at ${BODY_CAP} bytes`);
    },
  },
  {
    name: "redirect",
    title: "receiver redirects (307)",
    behaviour: { then: { kind: "status", status: 307, headers: { location: "/r/redirect-target" } } },
    outcome: "failed",
    maxDuplicates: () => 0,
    check(attempts, _v, problems) {
      flag(problems, everyDelivery(attempts, (a) => a.length === SCHEDULE_LENGTH && a.every((x) => !x.success && x.response_status === 307)), `deliveries not ending after ${SCHEDULE_LENGTH} failed 307 attempts`);
    },
  },
  {
    name: "429",
    title: "receiver 429 Retry-After: 1 (first try)",
    behaviour: { first: { kind: "status", status: 429, headers: { "retry-after": "1" } }, then: { kind: "status", status: 200 } },
    outcome: "succeeded",
    maxDuplicates: () => 0,
    check(attempts, _v, problems) {
      const early = everyDelivery(attempts, (a) => a[0]?.response_status === 429 && a[1] !== undefined && a[1].started_at.getTime() - a[0].started_at.getTime() >= 990);
      flag(problems, early, "deliveries not retried at least 1 s after their 429");
    },
  },
  {
    name: "flap",
    title: "receiver flaps 500/200",
    behaviour: { then: { kind: "flap", downMs: 200, upMs: 600 } },
    outcome: "succeeded",
    maxDuplicates: () => 0,
    check(attempts, _v, problems, notes) {
      const failedOnce = [...attempts.values()].filter((a) => a.some((x) => x.response_status === 500)).length;
      if (failedOnce === 0) problems.push("no attempt met a 500: the receiver did not flap");
      notes.push(`${failedOnce} met a 500 first`);
    },
  },
];

async function attemptsOf(db: Pool, accountId: string): Promise<Map<string, AttemptRow[]>> {
  const { rows } = await db.query<AttemptRow>(
    `SELECT delivery_id, attempt_number, success, response_status, error_class, length(response_body) AS body_length, started_at
       FROM delivery_attempts WHERE account_id = $1 ORDER BY delivery_id, attempt_number`,
    [accountId],
  );
  const out = new Map<string, AttemptRow[]>();
  for (const r of rows) out.set(r.delivery_id, [...(out.get(r.delivery_id) ?? []), r]);
  return out;
}

export const misbehavingReceivers: FaultScenario = {
  name: "receivers",
  async run(ctx: FaultContext): Promise<Outcome[]> {
    const { scale, servers, receiver } = ctx;
    if (receiver.urls.length < MODES.length) throw new Error(`the receiver needs ${MODES.length} origins`);
    const stack = await startStack({
      name: "receivers",
      adminDatabaseUrl: servers.postgres.url,
      redisUrl: servers.redis.url,
      logDir: ctx.logDir,
      concurrency: 100,
      env: {
        ...COMMON_ENV,
        // Slow and hanging receivers each hold up to 50 attempts for ~5 s; others keep flowing.
        HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: "50",
        HOOKRELAY_CONNECTIONS_PER_ORIGIN: "64",
        HOOKRELAY_DELIVERY_TIMEOUT_MS: "5000",
        HOOKRELAY_RESPONSE_BODY_MAX_BYTES: String(BODY_CAP),
      },
    });
    const admin = new ApiClient(stack.apiUrl, stack.adminKey, 2);
    const clients: ApiClient[] = [];
    try {
      stack.startWorkers(2);
      stack.sampleMemory(250);
      const path = (m: Mode) => `/r/${m.name}`;
      await receiver.setBehaviours(Object.fromEntries(MODES.map((m) => [path(m), m.behaviour])));
      const accounts = await Promise.all(MODES.map((m, i) => setupAccount(admin, `receiver-${m.name}`, [`${receiver.urls[i]}${path(m)}`])));
      const tag = (m: Mode) => `receiver-${m.name}`;
      await stack.workersReady();
      const loads = await Promise.all(
        MODES.map((m, i) => {
          const client = admin.withKey(accounts[i]!.apiKey, 4);
          clients.push(client);
          // Spread out, so that arrivals meet the flapping receiver in both of its states.
          const ratePerSec = (scale.receiverEvents * 1000) / scale.receiverLoadMs;
          return runLoad(client, { tag: tag(m), events: scale.receiverEvents, ratePerSec, batchSize: 2, keys: "event", giveUpAfterMs: 30_000 });
        }),
      );
      ctx.log(`receivers: load done, settling`);
      const settled = await Promise.all(MODES.map((_, i) => settle(stack.db, accounts[i]!.accountId, loads[i]!.accepted.size, scale.settleTimeoutMs)));
      await sleep(500);

      const workerPeak = Math.max(...stack.memory().filter((t) => t.name.startsWith("worker")).map((t) => rssSummary(t).peak ?? 0));
      const outcomes: Outcome[] = [];
      for (const [i, m] of MODES.entries()) {
        const account = accounts[i]!;
        const verdict = await verify({
          db: stack.db,
          receiver,
          accountId: account.accountId,
          tag: tag(m),
          load: loads[i]!,
          webhooks: [{ id: account.webhookIds[0]!, path: path(m), outcome: m.outcome }],
          settleMs: settled[i]!,
          allowedAnswers: [],
          maxDuplicates: m.maxDuplicates(scale.receiverEvents),
          crashes: i === 0 ? stack.crashes() : [],
        });
        const notes: string[] = [];
        m.check(await attemptsOf(stack.db, account.accountId), verdict, verdict.problems, notes);
        if (m.name === "huge") {
          notes.push(`worker peak RSS ${workerPeak} MiB`);
          if (workerPeak > WORKER_RSS_LIMIT_MIB) verdict.problems.push(`a worker reached ${workerPeak} MiB (limit ${WORKER_RSS_LIMIT_MIB})`);
        }
        if (m.name === "redirect") {
          const target = await receiver.stats({ tag: "*", paths: ["/r/redirect-target"] });
          if (target.requests > 0) verdict.problems.push(`the redirect was followed ${target.requests} times`);
        }
        outcomes.push({ scenario: m.title, verdict, notes });
      }
      return outcomes;
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await admin.close();
      await stack.stop();
      await receiver.setBehaviours({});
      for (const m of MODES) await receiver.forget(`receiver-${m.name}`);
    }
  },
};

export const RECEIVER_ORIGINS = MODES.length;
