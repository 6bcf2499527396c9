import { sleep } from "../harness/stats";
import { CONCURRENCY, runStandard, type FaultTools } from "./scenario";
import type { FaultContext, FaultScenario } from "./types";

/**
 * A SIGTERM'd process must exit in bounded time whatever the state of its dependencies:
 * `npm run up` and Kubernetes both give it a fixed time before they kill it, and an operator
 * stopping everything during an outage must not wait out commands to a Redis or Postgres that
 * will never answer (issue #11). Workers and the API get SIGTERM under load, with attempts in
 * flight, while Redis or Postgres is down (connections refused) or hung (SIGSTOP: connections
 * open, nothing answers); nothing accepted may be lost.
 */
export const SIGTERM_EXIT_LIMIT_MS = 10_000;

interface Outage {
  what: string;
  begin(ctx: FaultContext): Promise<void>;
  end(ctx: FaultContext): Promise<void>;
}

const OUTAGES = {
  redisDown: { what: "Redis down", begin: (c) => c.servers.redis.stop("SIGTERM"), end: (c) => c.servers.redis.start() },
  postgresDown: { what: "Postgres down", begin: (c) => c.servers.postgres.stop("fast"), end: (c) => c.servers.postgres.start() },
  redisHung: { what: "Redis hung", begin: async (c) => c.servers.redis.freeze(), end: async (c) => c.servers.redis.thaw() },
  postgresHung: { what: "Postgres hung", begin: async (c) => c.servers.postgres.freeze(), end: async (c) => c.servers.postgres.thaw() },
} satisfies Record<string, Outage>;

/**
 * SIGTERMs `names` at once; each must exit within the limit by itself (no signal), with 0 or 1
 * (1: its own backstop fired, which it logs). One that does not is killed, so the run goes on.
 */
async function stopWithin(t: FaultTools, names: string[], while_: string): Promise<void> {
  const exits = await Promise.all(
    names.map(async (name) => {
      const started = Date.now();
      const exit = await t.stack.signal(name, "SIGTERM", SIGTERM_EXIT_LIMIT_MS);
      if (!exit) await t.stack.signal(name, "SIGKILL", 5_000);
      return { name, exit, seconds: ((Date.now() - started) / 1000).toFixed(1) };
    }),
  );
  for (const { name, exit, seconds } of exits) {
    if (!exit) t.problems.push(`${name} still running ${SIGTERM_EXIT_LIMIT_MS / 1000} s after SIGTERM with ${while_}`);
    else if (exit.signal !== null || (exit.code !== 0 && exit.code !== 1)) {
      t.problems.push(`${name} ended by ${exit.signal ?? `exit code ${exit.code}`} after SIGTERM with ${while_}: ${exit.tail.slice(-3).join(" | ")}`);
    } else t.notes.push(`${while_}: ${name} exited ${exit.code} in ${seconds} s`);
  }
}

export const sigtermOutage: FaultScenario = {
  name: "sigterm-outage",
  run: (ctx) => {
    const { ratePerSec, name: scale } = ctx.scale;
    // The short form plays each hang in a different place: BullMQ's commands (Redis down) and
    // an attempt's writes (Postgres hung); the full form every combination. Postgres down comes
    // last: the others leave jobs active until their lock expires, which the next outage hides.
    const { redisDown, redisHung, postgresDown, postgresHung } = OUTAGES;
    const outages: Outage[] = scale === "short" ? [redisDown, postgresHung, postgresDown] : [redisDown, redisHung, postgresHung, postgresDown];
    const lead = 1_500;
    // Into the last outage (each takes a stop's time plus restarting what was stopped).
    const loadMs = lead + outages.length * 5_000;
    return runStandard(ctx, {
      name: "sigterm-outage",
      title: `SIGTERM with ${outages.map((o) => o.what).join(", ")}`,
      // Answers take 200 ms, so every worker has attempts in flight when told to stop.
      behaviour: { then: { kind: "slow", delayMs: 200 } },
      env: { HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: "50" },
      load: { events: Math.round((ratePerSec * loadMs) / 1000), ratePerSec },
      allowedAnswers: ["503", "network"],
      // An attempt that went out as Postgres went away cannot be recorded, so it is sent again:
      // at most what the workers had in flight, per Postgres outage.
      maxDuplicates: 2 * CONCURRENCY * outages.filter((o) => o.what.startsWith("Postgres")).length,
      async fault(t) {
        await t.at(lead);
        for (const [i, outage] of outages.entries()) {
          // Alternate the workers: the other one keeps going through the outage.
          const worker = `worker${1 + (i % 2)}`;
          await outage.begin(ctx);
          // Let the outage bite: attempts and commands under way when it began now wait on it.
          await sleep(300);
          await stopWithin(t, [worker, "api"], outage.what);
          await outage.end(ctx);
          await Promise.all([t.stack.respawn(worker), t.stack.respawn("api")]);
        }
      },
    });
  },
};
