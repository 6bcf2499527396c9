import type { Pool } from "pg";

/**
 * What locks the time-partitioned tables saw while something ran: pg_locks and pg_stat_activity
 * read every `everyMs` on a connection of the sampler's own. Reports, per parent table and for
 * the partitions together, the strongest mode held and the strongest awaited, and the longest
 * any backend was seen waiting on a heavyweight lock (wait_event_type = 'Lock'), with its query.
 * A sample sees what is there at that instant: waits shorter than the interval may be missed,
 * and a wait's length is known to within one interval.
 */
const MODES = [
  "AccessShareLock",
  "RowShareLock",
  "RowExclusiveLock",
  "ShareUpdateExclusiveLock",
  "ShareLock",
  "ShareRowExclusiveLock",
  "ExclusiveLock",
  "AccessExclusiveLock",
];
const PARENTS = ["events", "deliveries", "delivery_attempts"];

export interface LockReport {
  samples: number;
  /** "events", "deliveries", "delivery_attempts", and "partitions" (any of their partitions). */
  strongest: Record<string, { held: string | null; awaited: string | null }>;
  /** Longest wait seen on a heavyweight lock, ms (0 if none seen), and what waited. */
  longestLockWaitMs: number;
  longestLockWaitQuery: string | null;
  /** Backends seen waiting on a lock, in all. */
  lockWaiters: number;
  /** The waits by what waited (the wait event and the statement's first words): how many, the longest ms. */
  waitsByKind: Record<string, { count: number; longestMs: number }>;
}

const stronger = (a: string | null, b: string) => (a === null || MODES.indexOf(b) > MODES.indexOf(a) ? b : a);

export function startLockSampler(db: Pool, everyMs = 50): { stop(): Promise<LockReport> } {
  const strongest: LockReport["strongest"] = Object.fromEntries([...PARENTS, "partitions"].map((t) => [t, { held: null, awaited: null }]));
  // A wait is one backend waiting for one statement (pid and query start): first and last time seen.
  const waits = new Map<string, { first: number; last: number; query: string }>();
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    const client = await db.connect();
    try {
      while (!stopped) {
        const t = Date.now();
        const { rows } = await client.query<{ relname: string; mode: string; granted: boolean }>(
          `SELECT c.relname, l.mode, l.granted FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
            WHERE l.locktype = 'relation' AND l.pid <> pg_backend_pid()
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND c.relname ~ '^(events|deliveries|delivery_attempts)(_p[0-9]+)?$'`,
        );
        for (const r of rows) {
          const key = PARENTS.includes(r.relname) ? r.relname : "partitions";
          const s = strongest[key]!;
          if (r.granted) s.held = stronger(s.held, r.mode);
          else s.awaited = stronger(s.awaited, r.mode);
        }
        const waiting = await client.query<{ pid: number; since: string; query: string }>(
          `SELECT pid, query_start::text AS since, wait_event || ': ' || left(query, 120) AS query FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND datname = current_database() AND pid <> pg_backend_pid()`,
        );
        const now = Date.now();
        for (const w of waiting.rows) {
          const key = `${w.pid}:${w.since}`;
          const seen = waits.get(key);
          if (seen) seen.last = now;
          else waits.set(key, { first: now, last: now, query: w.query });
        }
        samples++;
        const left = everyMs - (Date.now() - t);
        if (left > 0) await new Promise((r) => setTimeout(r, left));
      }
    } finally {
      client.release();
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      let longest = 0;
      let query: string | null = null;
      for (const w of waits.values()) {
        // Seen once: waited at least an instant, at most one interval; count it as one interval.
        const ms = w.last - w.first + everyMs;
        if (ms > longest) [longest, query] = [ms, w.query];
      }
      const waitsByKind: LockReport["waitsByKind"] = {};
      for (const w of waits.values()) {
        const kind = w.query.split(/\s+/).slice(0, 4).join(" ");
        const k = (waitsByKind[kind] ??= { count: 0, longestMs: 0 });
        k.count++;
        k.longestMs = Math.max(k.longestMs, w.last - w.first + everyMs);
      }
      return { samples, strongest, longestLockWaitMs: waits.size > 0 ? longest : 0, longestLockWaitQuery: query, lockWaiters: waits.size, waitsByKind };
    },
  };
}
