import { once } from "node:events";
import type { ServerResponse } from "node:http";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { buildContainer } from "../../src/container";
import { noMetrics } from "../../src/metrics/metrics";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { testConfig } from "../support/env";
import { aWebhook } from "../support/factories";
import { scrape, type Scrape } from "../support/prometheus";
import type { Respond, WebhookReceiver } from "../support/receivers";

/**
 * The Prometheus metrics against the real stack: counters equal what a known run did, the
 * backlog gauges follow a stopped and restarted worker, label sets stay bounded at 10,000
 * webhooks, and off means off.
 */
const TOKEN = "metrics-verify-token-0001";
/** Three attempts per chain, 50 ms apart; one attempt per webhook at a time, so a 410 disables its webhook before the next attempt. */
const RUN = {
  HOOKRELAY_METRICS_PORT: "0",
  HOOKRELAY_RETRY_SCHEDULE: "0,50ms,50ms",
  HOOKRELAY_RETRY_JITTER: "0",
  HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: "1",
};

const answer = (status: number): Respond => (_req, res: ServerResponse) => res.writeHead(status, { "content-type": "text/plain" }).end(String(status));

/** Counters and histogram counts move by the differences between two scrapes: each test reads its own. */
const delta = (before: Scrape, after: Scrape) => (name: string, labels?: Record<string, string>) => after.sum(name, labels) - before.sum(name, labels);

describe("Prometheus metrics", () => {
  let app: TestApp;
  let metricsUrl: string;
  let key: string;

  beforeAll(async () => {
    app = await startTestApp(RUN, { worker: true, metricsCacheMs: 0 });
    const server = await app.container.startMetricsServer();
    metricsUrl = server!.url;
  });
  beforeEach(async () => {
    key = (await app.newAccount()).apiKey;
  });
  afterAll(async () => {
    await app.close();
  });

  const emit = (n: number, type = "message.created") =>
    Promise.all(Array.from({ length: n }, (_, i) => app.call("POST", "/v1/events", { key, body: { type, data: { i } } })));
  const settled = () =>
    eventually(async () => (await app.container.db.delivery.count({ where: { status: "pending" } })) === 0, "every delivery to settle", 20_000);

  it("serves the text format on its own listener, and nothing else there", async () => {
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const s = await scrape(metricsUrl);
    expect(s.value("hookrelay_build_info", { role: "api" })).toBe(1);
    expect(s.value("hookrelay_build_info", { role: "worker" })).toBe(1);
    expect(s.value("hookrelay_postgres_up")).toBe(1);
    expect(s.value("hookrelay_redis_up")).toBe(1);
    expect(s.value("hookrelay_redis_connected", { connection: "main" })).toBe(1);
    expect(s.value("hookrelay_redis_connected", { connection: "worker" })).toBe(1);
    expect(s.value("hookrelay_redis_connected", { connection: "queue" })).toBe(1);
    expect(s.value("hookrelay_worker_slots", { state: "busy" }) + s.value("hookrelay_worker_slots", { state: "free" })).toBe(app.container.config.workerConcurrency);
    expect(s.value("hookrelay_pg_pool_connections", { state: "total" })).toBeGreaterThan(0);
    // prom-client's process metrics, unprefixed.
    expect(s.find("process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(s.find("nodejs_eventloop_lag_seconds")).toBeDefined();
    expect((await fetch(metricsUrl.replace(/\/metrics$/, "/other"))).status).toBe(404);
    expect((await fetch(metricsUrl, { method: "POST" })).status).toBe(404);
    // Not on the API's port unless the operator asks.
    expect((await fetch(`${app.baseUrl}/metrics`)).status).toBe(404);
  });

  it("counts exactly what a known run did: events, deliveries, attempts by outcome, give-ups, latencies, webhooks by health", async () => {
    const before = await scrape(metricsUrl);
    const ok = [await aWebhook(app, key, { token: TOKEN }), await aWebhook(app, key, { token: TOKEN })];
    const failing = await aWebhook(app, key, { token: TOKEN });
    failing.receiver.respond = answer(500);
    const gone = await aWebhook(app, key, { token: TOKEN });
    // Its 410 (which disables it) waits until all N events are in: an event committed after the
    // disable would make no delivery for it, and the counts below would depend on the race.
    let allEmitted!: () => void;
    const emitted = new Promise<void>((resolve) => (allEmitted = resolve));
    gone.receiver.respond = (req, res) => void emitted.then(() => answer(410)(req, res));
    // Registered (its handshake answered), then unreachable: every attempt is refused by the OS.
    const unreachable = await aWebhook(app, key, { token: TOKEN });
    await unreachable.receiver.close();
    // Deleted before the events: it gets none and counts in no health.
    const deleted = await aWebhook(app, key, { token: TOKEN });
    expect((await app.call("DELETE", `/v1/webhooks/${deleted.id}`, { key })).status).toBe(204);

    const N = 5;
    const accepted = await emit(N);
    allEmitted();
    expect(accepted.map((r) => r.status)).toEqual(Array(N).fill(202));
    await settled();
    const after = await scrape(metricsUrl);
    const d = delta(before, after);

    // Every delivery to the 410 webhook after the first is skipped: it was disabled by then.
    expect(gone.receiver.deliveries).toHaveLength(1);
    expect(ok.map((w) => w.receiver.deliveries.length)).toEqual([N, N]);
    expect(deleted.receiver.deliveries).toHaveLength(0);
    expect(failing.receiver.deliveries).toHaveLength(3 * N);
    expect(d("hookrelay_events_accepted_total")).toBe(N);
    expect(d("hookrelay_deliveries_created_total", { source: "ingest" })).toBe(5 * N);
    expect(d("hookrelay_attempts_total", { outcome: "success" })).toBe(2 * N);
    expect(d("hookrelay_attempts_total", { outcome: "http_5xx" })).toBe(3 * N);
    expect(d("hookrelay_attempts_total", { outcome: "http_4xx" })).toBe(1);
    expect(d("hookrelay_attempts_total", { outcome: "network" })).toBe(3 * N);
    expect(d("hookrelay_attempts_total", { outcome: "timeout" })).toBe(0);
    expect(d("hookrelay_attempts_total")).toBe(2 * N + 3 * N + 1 + 3 * N);
    expect(d("hookrelay_deliveries_given_up_total", { reason: "retries_exhausted" })).toBe(2 * N);
    expect(d("hookrelay_deliveries_given_up_total", { reason: "gone" })).toBe(1);
    expect(d("hookrelay_deliveries_given_up_total", { reason: "not_retried" })).toBe(0);
    // Histograms observed once per attempt and once per success.
    for (const [outcome, n] of [["success", 2 * N], ["http_5xx", 3 * N], ["http_4xx", 1], ["network", 3 * N]] as const) {
      expect(d("hookrelay_attempt_duration_seconds_count", { outcome })).toBe(n);
      expect(d("hookrelay_attempt_duration_seconds_bucket", { outcome, le: "+Inf" })).toBe(n);
    }
    expect(d("hookrelay_delivery_latency_seconds_count")).toBe(2 * N);
    expect(d("hookrelay_delivery_latency_seconds_sum")).toBeGreaterThan(0);
    // The API requests, under their declared templates.
    expect(d("hookrelay_http_requests_total", { route: "/v1/events", method: "POST", status: "202" })).toBe(N);
    expect(d("hookrelay_http_request_duration_seconds_count", { route: "/v1/events", method: "POST" })).toBe(N);
    // Two healthy, two warning (15 failures in a row, over the threshold of 5), one disabled by its 410; the deleted one in none.
    expect(d("hookrelay_webhooks", { health: "healthy" })).toBe(2);
    expect(d("hookrelay_webhooks", { health: "warning" })).toBe(2);
    expect(d("hookrelay_webhooks", { health: "disabled" })).toBe(1);
    expect(after.value("hookrelay_deliveries_due")).toBe(0);
    expect(after.value("hookrelay_backlog_lag_seconds")).toBe(0);
    // A failed attempt's slot is released just after its settlement commits.
    await eventually(async () => (await scrape(metricsUrl)).value("hookrelay_in_flight_leases") === 0, "every slot released");

    // A redelivery and a test event are deliveries too, by their own source.
    const delivery = await app.container.db.delivery.findFirstOrThrow({ where: { webhookId: ok[0]!.id, status: "succeeded" } });
    expect((await app.call("POST", `/v1/deliveries/${delivery.id}/redeliver`, { key })).status).toBe(202);
    expect((await app.call("POST", `/v1/webhooks/${ok[1]!.id}/test`, { key })).status).toBe(200);
    await settled();
    const last = await scrape(metricsUrl);
    const d2 = delta(after, last);
    expect(d2("hookrelay_deliveries_created_total", { source: "redeliver" })).toBe(1);
    expect(d2("hookrelay_deliveries_created_total", { source: "test" })).toBe(1);
    expect(d2("hookrelay_deliveries_created_total", { source: "ingest" })).toBe(0);
    // Test events are the API's own request, not the delivery workers' attempts.
    expect(d2("hookrelay_attempts_total", { outcome: "success" })).toBe(1);
    expect(d2("hookrelay_delivery_latency_seconds_count")).toBe(1);
    expect(d2("hookrelay_http_requests_total", { route: "/v1/deliveries/:id/redeliver", method: "POST", status: "202" })).toBe(1);
    expect(d2("hookrelay_http_requests_total", { route: "/v1/webhooks/:id/test", method: "POST", status: "200" })).toBe(1);
  });

  it("labels requests by declared route, never by the raw path", async () => {
    const before = await scrape(metricsUrl);
    const missing = "wh_00000000000000000000000000";
    expect((await app.call("GET", `/v1/webhooks/${missing}`, { key })).status).toBe(404);
    expect((await app.call("GET", "/v1/nothing-here/42", { key })).status).toBe(404);
    expect((await app.call("PUT", "/v1/webhooks", { key })).status).toBe(405);
    expect((await app.call("POST", "/v1/events", { key, rawBody: "x", headers: { "content-type": "text/plain" } })).status).toBe(415);
    expect((await app.call("GET", "/v1/webhooks", {})).status).toBe(401);
    const after = await scrape(metricsUrl);
    const d = delta(before, after);
    expect(d("hookrelay_http_requests_total", { route: "/v1/webhooks/:id", method: "GET", status: "404" })).toBe(1);
    expect(d("hookrelay_http_requests_total", { route: "unmatched", method: "GET", status: "404" })).toBe(1);
    expect(d("hookrelay_http_requests_total", { route: "/v1/webhooks", method: "PUT", status: "405" })).toBe(1);
    expect(d("hookrelay_http_requests_total", { route: "/v1/events", method: "POST", status: "415" })).toBe(1);
    expect(d("hookrelay_http_requests_total", { route: "/v1/webhooks", method: "GET", status: "401" })).toBe(1);
    expect(after.text).not.toContain(missing);
    expect(after.text).not.toContain("nothing-here");
  });

  it("keeps the number of series the same with 10,000 webhooks as with 10", async () => {
    const series = (s: Scrape) => s.series("hookrelay_");
    const hooks = await Promise.all(Array.from({ length: 10 }, () => aWebhook(app, key, { token: TOKEN })));
    await emit(2);
    await settled();
    const withTen = await scrape(metricsUrl);
    expect(hooks.every((h) => h.receiver.deliveries.length === 2)).toBe(true);

    // 9,990 more in one statement, copies of the first (its receiver, its secret); one in 100
    // subscribes to what is emitted next, the others to a type that is not.
    const template = hooks[0]!;
    await app.container.sql.query(
      `INSERT INTO webhooks (id, account_id, url, event_types, verify_token_cipher, verify_token_hint, status, dialect, dialect_options, verified_at, updated_at)
       SELECT 'wh_bulk' || lpad(i::text, 19, '0'), account_id, url,
              CASE WHEN i % 100 = 0 THEN ARRAY['message.created'] ELSE ARRAY['chat.status_changed'] END,
              verify_token_cipher, verify_token_hint, status, dialect, dialect_options, verified_at, now()
         FROM webhooks, generate_series(1, 9990) AS i WHERE id = $1`,
      [template.id],
    );
    // The ingest lookup of this account is cached for a second (HOOKRELAY_INGEST_CACHE_TTL).
    await new Promise((r) => setTimeout(r, 1_100));
    const deliveredBefore = template.receiver.deliveries.length;
    const accepted = await emit(2);
    expect(accepted.map((r) => r.body.deliveries)).toEqual([10 + 99, 10 + 99]);
    await settled();
    expect(template.receiver.deliveries.length - deliveredBefore).toBe(2 * (1 + 99));
    const withTenThousand = await scrape(metricsUrl);

    expect(withTenThousand.sum("hookrelay_webhooks") - withTen.sum("hookrelay_webhooks")).toBe(9_990);
    expect(series(withTenThousand)).toEqual(series(withTen));
    expect(withTenThousand.text).not.toMatch(/wh_bulk/);
  });
});

describe("the backlog gauges", () => {
  it("rise while no worker runs and fall to 0 once one has drained the backlog", async () => {
    const app = await startTestApp(RUN, { metricsCacheMs: 0 });
    try {
      const url = (await app.container.startMetricsServer())!.url;
      const { apiKey: key } = await app.newAccount();
      const receivers: WebhookReceiver[] = [];
      for (let i = 0; i < 3; i++) receivers.push((await aWebhook(app, key, { token: TOKEN })).receiver);
      const idle = await scrape(url);
      expect(idle.value("hookrelay_deliveries_due")).toBe(0);
      expect(idle.value("hookrelay_backlog_lag_seconds")).toBe(0);
      expect(idle.find("hookrelay_worker_slots", { state: "free" })).toBeUndefined();

      for (let i = 0; i < 4; i++) expect((await app.call("POST", "/v1/events", { key, body: { type: "message.created", data: { i } } })).status).toBe(202);
      await new Promise((r) => setTimeout(r, 100));
      const stuck = await scrape(url);
      await new Promise((r) => setTimeout(r, 300));
      const later = await scrape(url);
      expect(stuck.value("hookrelay_deliveries_due")).toBe(12);
      expect(stuck.value("hookrelay_backlog_lag_seconds")).toBeGreaterThanOrEqual(0.1);
      expect(later.value("hookrelay_backlog_lag_seconds")).toBeGreaterThanOrEqual(stuck.value("hookrelay_backlog_lag_seconds") + 0.3);
      expect(receivers.every((r) => r.deliveries.length === 0)).toBe(true);

      await app.container.startWorker();
      await eventually(async () => receivers.every((r) => r.deliveries.length === 4), "the backlog to drain", 20_000);
      await eventually(async () => (await app.container.db.delivery.count({ where: { status: "pending" } })) === 0, "every delivery settled");
      const drained = await scrape(url);
      expect(drained.value("hookrelay_deliveries_due")).toBe(0);
      expect(drained.value("hookrelay_backlog_lag_seconds")).toBe(0);
      expect(drained.value("hookrelay_attempts_total", { outcome: "success" })).toBe(12);
      // A job ends (and frees its worker slot) only once its own success is written.
      await eventually(async () => (await scrape(url)).value("hookrelay_worker_slots", { state: "busy" }) === 0, "the worker's slots to be free");
    } finally {
      await app.close();
    }
  });
});

describe("metrics switched", () => {
  it("off (no HOOKRELAY_METRICS_PORT): no recorder, no listener, no /metrics on the API", async () => {
    const app = await startTestApp({});
    try {
      expect(app.container.metrics).toBe(noMetrics);
      expect(await app.container.startMetricsServer()).toBeNull();
      expect((await app.call("GET", "/metrics")).status).toBe(404);
    } finally {
      await app.close();
    }
  });

  it("onto the API's port with HOOKRELAY_METRICS_ON_API, counting rate-limited requests by limit", async () => {
    const app = await startTestApp({ HOOKRELAY_METRICS_ON_API: "true", HOOKRELAY_RATE_LIMIT: "3/1m" });
    try {
      expect(await app.container.startMetricsServer()).toBeNull();
      const { apiKey: key } = await app.newAccount();
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await app.call("GET", "/v1/webhooks", { key })).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const s = await scrape(`${app.baseUrl}/metrics`);
      expect(s.value("hookrelay_rate_limited_total", { bucket: "api" })).toBe(2);
      expect(s.value("hookrelay_rate_limited_total", { bucket: "ingest" })).toBe(0);
      expect(s.value("hookrelay_http_requests_total", { route: "/v1/webhooks", method: "GET", status: "429" })).toBe(2);
      expect(s.value("hookrelay_build_info", { role: "api" })).toBe(1);
      expect(s.find("hookrelay_build_info", { role: "worker" })).toBeUndefined();
    } finally {
      await app.close();
    }
  });

  it("with the account label on, attempts and created deliveries carry the account", async () => {
    const app = await startTestApp({ ...RUN, HOOKRELAY_METRICS_ACCOUNT_LABEL: "true" }, { worker: true });
    try {
      const url = (await app.container.startMetricsServer())!.url;
      const { apiKey: key, accountId } = await app.newAccount();
      const { receiver } = await aWebhook(app, key, { token: TOKEN });
      await app.call("POST", "/v1/events", { key, body: { type: "message.created", data: {} } });
      await eventually(async () => receiver.deliveries.length === 1, "the delivery");
      await eventually(async () => (await app.container.db.delivery.count({ where: { status: "pending" } })) === 0, "it to settle");
      const s = await scrape(url);
      expect(s.value("hookrelay_attempts_total", { outcome: "success", account: accountId })).toBe(1);
      expect(s.value("hookrelay_deliveries_created_total", { source: "ingest", account: accountId })).toBe(1);
    } finally {
      await app.close();
    }
  });
});

describe("a scrape while Postgres and Redis do not answer", () => {
  /** Accepts connections and never says a word (plain TCP): a hung server (SIGSTOP) as a client sees it. */
  let silent: Server;
  let port: number;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    silent = createServer((socket) => void sockets.push(socket));
    silent.listen(0, "127.0.0.1");
    await once(silent, "listening");
    port = (silent.address() as AddressInfo).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it("answers within its bound with the up gauges at 0 and the gauges that need them left out", async () => {
    const config = testConfig(`postgresql://hookrelay@127.0.0.1:${port}/nowhere`, { REDIS_URL: `redis://127.0.0.1:${port}`, HOOKRELAY_METRICS_PORT: "0" });
    const container = buildContainer(config);
    try {
      const url = (await container.startMetricsServer())!.url;
      const started = Date.now();
      const s = await scrape(url);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(s.value("hookrelay_postgres_up")).toBe(0);
      expect(s.value("hookrelay_redis_up")).toBe(0);
      expect(s.value("hookrelay_redis_connected", { connection: "main" })).toBe(0);
      for (const name of ["hookrelay_deliveries_due", "hookrelay_backlog_lag_seconds", "hookrelay_in_flight_leases", "hookrelay_webhooks", "hookrelay_queue_jobs"]) {
        expect(s.find(name)).toBeUndefined();
      }
      // Still counting what happens in the process meanwhile.
      expect(s.value("hookrelay_events_accepted_total")).toBe(0);
      // The next scrape within the cache's life is answered at once from it.
      const again = Date.now();
      expect((await scrape(url)).value("hookrelay_postgres_up")).toBe(0);
      expect(Date.now() - again).toBeLessThan(900);
    } finally {
      await container.close();
    }
  });
});
