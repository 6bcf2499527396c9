import type { Counter, Histogram } from "prom-client";
import { OPERATIONAL_EVENT_TYPES } from "../operational/payloads";
import type { Instruments } from "./instruments";
import type { AttemptOutcomeLabel, DeliverySource, GiveUpReason, Metrics } from "./metrics";

/**
 * `Metrics` over prom-client. The hot path (one attempt, one delivery, one API request) costs
 * a few Map lookups and in-place additions: every label set is bound once, here, to a child,
 * and reused. prom-client still hashes the bound labels on each call, but no label object or
 * string is built per call by us, and the closed sets below are bound before the first call.
 */

const OUTCOMES: readonly AttemptOutcomeLabel[] = ["success", "http_4xx", "http_5xx", "http_other", "timeout", "network", "refused"];
const SOURCES: readonly DeliverySource[] = ["ingest", "redeliver", "test", "operational", "recovery"];
const REASONS: readonly GiveUpReason[] = ["retries_exhausted", "not_retried", "gone"];
const SWEEPS = ["recent", "epoch"] as const;
const RATE_BUCKETS = ["api", "ingest", "admin", "portal"];

/** Free-form label values (operational event types, rate buckets) beyond this many read "other". */
const MAX_OPEN_VALUES = 64;

type Inc = { inc(value?: number): void };
type Observe = { observe(value: number): void };

/**
 * Children of a closed label set, bound from the start and exported at 0 (a series that
 * appears only at its first increment hides that increment from rate(), and makes the number
 * of series depend on what has happened).
 */
function counters<V extends string>(counter: Counter<string>, label: string, values: readonly V[], extra: Record<string, string> = {}): Record<V, Inc> {
  const children = {} as Record<V, Inc>;
  for (const v of values) {
    children[v] = counter.labels({ ...extra, [label]: v });
    children[v].inc(0);
  }
  return children;
}

function histograms<V extends string>(histogram: Histogram<string>, label: string, values: readonly V[]): Record<V, Observe> {
  const children = {} as Record<V, Observe>;
  for (const v of values) {
    histogram.zero({ [label]: v });
    children[v] = histogram.labels({ [label]: v });
  }
  return children;
}

/** Children of an open label set, bound on first use, at most MAX_OPEN_VALUES of them. */
function openChildren(counter: Counter<string>, label: string, known: readonly string[]): (value: string) => Inc {
  const children = new Map<string, Inc>(Object.entries(counters(counter, label, known)));
  return (value) => {
    let child = children.get(value);
    if (!child) {
      const bounded = children.size < MAX_OPEN_VALUES ? value : "other";
      child = children.get(bounded) ?? counter.labels({ [label]: bounded });
      children.set(bounded, child);
    }
    return child;
  };
}

export function createRecorder(m: Instruments, opts: { accountLabel: boolean }): Metrics {
  const attemptDuration = histograms(m.attemptDuration, "outcome", OUTCOMES);
  const givenUp = counters(m.givenUp, "reason", REASONS);
  const requeued = counters(m.recoveryRequeued, "sweep", SWEEPS);
  const rateLimited = openChildren(m.rateLimited, "bucket", RATE_BUCKETS);
  const operational = openChildren(m.operationalEvents, "type", OPERATIONAL_EVENT_TYPES);
  const eventsAccepted = m.eventsAccepted;
  const latency = m.deliveryLatency;

  // Without the account label the children are bound once; with it, once per account (the
  // operator chose one series per account).
  const attemptsOf = accountKeyed(opts.accountLabel, (account) => counters(m.attempts, "outcome", OUTCOMES, account === null ? {} : { account }));
  const createdOf = accountKeyed(opts.accountLabel, (account) => counters(m.deliveriesCreated, "source", SOURCES, account === null ? {} : { account }));
  const http = httpChildren(m.httpDuration);

  return {
    httpRequest(route, method, status, seconds) {
      const r = http(route, method);
      r.duration.observe(seconds);
      let c = r.byStatus.get(status);
      if (!c) r.byStatus.set(status, (c = m.httpRequests.labels({ route, method, status: String(status) })));
      c.inc();
    },
    eventsAccepted(count) {
      if (count > 0) eventsAccepted.inc(count);
    },
    deliveriesCreated(count, source, accountId) {
      if (count > 0) createdOf(accountId)[source].inc(count);
    },
    attempt(outcome, seconds, accountId) {
      attemptsOf(accountId)[outcome].inc();
      attemptDuration[outcome].observe(seconds);
    },
    delivered(endToEndSeconds) {
      latency.observe(endToEndSeconds);
    },
    givenUp(reason) {
      givenUp[reason].inc();
    },
    recoveryRequeued(count, sweep) {
      if (count > 0) requeued[sweep].inc(count);
    },
    rateLimited(bucket) {
      rateLimited(bucket).inc();
    },
    operationalEvent(type) {
      operational(type).inc();
    },
    retentionPass(pass) {
      if (pass.dropped > 0) m.retentionDropped.inc(pass.dropped);
      m.retentionKeptForPending.set(pass.keptForPending);
      for (const [table, n] of Object.entries(pass.trimmed)) if (n > 0) m.retentionTrimmed.labels({ table }).inc(n);
      m.retentionPassSeconds.observe(pass.seconds);
      m.partitionsAheadSeconds.set(pass.aheadSeconds);
    },
  };
}

/** The one set of children when accounts are not labelled; a set per account when they are. */
function accountKeyed<T>(labelled: boolean, bind: (account: string | null) => T): (accountId: string | undefined) => T {
  if (!labelled) {
    const only = bind(null);
    return () => only;
  }
  const byAccount = new Map<string, T>();
  return (accountId) => {
    const account = accountId ?? "unknown";
    let set = byAccount.get(account);
    if (!set) byAccount.set(account, (set = bind(account)));
    return set;
  };
}

interface RouteChildren {
  duration: Observe;
  byStatus: Map<number, Inc>;
}

/** Route × method children, bound on first use; the route set is the declared routes (plus "unmatched"). */
function httpChildren(duration: Histogram<"route" | "method">) {
  const byRoute = new Map<string, Map<string, RouteChildren>>();
  return (route: string, method: string): RouteChildren => {
    let methods = byRoute.get(route);
    if (!methods) byRoute.set(route, (methods = new Map()));
    let children = methods.get(method);
    if (!children) methods.set(method, (children = { duration: duration.labels({ route, method }), byStatus: new Map() }));
    return children;
  };
}
