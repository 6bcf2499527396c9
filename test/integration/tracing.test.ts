import { aWebhook } from "../support/factories";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { startOtlpCollector, type CollectedSpan, type OtlpCollector } from "../support/otlp-collector";

/** A short schedule and a short export delay: tests never wait real minutes, nor the SDK's 5 s. */
const FAST = { HOOKRELAY_RETRY_SCHEDULE: "0,50ms,50ms", HOOKRELAY_RETRY_JITTER: "0", OTEL_BSP_SCHEDULE_DELAY: "50" };
const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

const tracingOn = (collector: OtlpCollector, more: Record<string, string> = {}) => ({
  ...FAST,
  OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
  OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
  ...more,
});

async function settled(app: TestApp, eventIds: string[]) {
  await eventually(
    async () => (await app.container.db.delivery.count({ where: { eventId: { in: eventIds }, status: { not: "succeeded" } } })) === 0,
    "every delivery of the events to succeed",
  );
}

/** The spans once the collector has at least `count` named `name` (the API's and the worker's exports arrive apart). */
async function collected(app: TestApp, collector: OtlpCollector, name: string, count: number): Promise<CollectedSpan[]> {
  return eventually(async () => {
    await app.container.tracing.flush();
    const spans = collector.spans();
    return spans.filter((s) => s.name === name).length >= count && spans;
  }, `${count} "${name}" spans at the collector`);
}

describe("tracing to an OTLP/HTTP collector", () => {
  let collector: OtlpCollector;
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    collector = await startOtlpCollector();
    app = await startTestApp(tracingOn(collector), { worker: true });
    key = (await app.newAccount()).apiKey;
  });
  afterAll(async () => {
    await app?.close();
    await collector?.close();
  });

  it("makes one connected trace per event: request → event → a child span per attempt, with the receiver's status and timing", async () => {
    const steady = await aWebhook(app, key);
    const flaky = await aWebhook(app, key);
    let calls = 0;
    flaky.receiver.respond = (_req, res) => res.writeHead(++calls === 1 ? 500 : 200).end(calls === 1 ? "boom" : "ok");

    const batch = await app.call("POST", "/v1/events/batch", {
      key,
      headers: { "x-request-id": "req-batch-1" },
      body: { events: [{ type: "message.created", data: { n: 1 } }, { type: "message.created", data: { n: 2 } }] },
    });
    const single = await app.call("POST", "/v1/events", { key, headers: { "x-request-id": "req-single-1" }, body: { type: "message.created", data: { n: 3 } } });
    expect([batch.status, single.status]).toEqual([202, 202]);
    const eventIds: string[] = [...batch.body.data.map((e: { id: string }) => e.id), single.body.id];
    await settled(app, eventIds);

    const attempts = await app.container.db.deliveryAttempt.findMany({ where: { eventId: { in: eventIds } } });
    // 3 events × 2 webhooks, one of which failed once.
    expect(attempts).toHaveLength(7);
    const spans = await collected(app, collector, "hookrelay.attempt", 7);
    const byId = new Map(spans.map((s) => [s.spanId, s]));

    for (const eventId of eventIds) {
      const eventSpans = spans.filter((s) => s.name === "hookrelay.event" && s.attributes["hookrelay.event.id"] === eventId);
      expect(eventSpans).toHaveLength(1);
      const eventSpan = eventSpans[0]!;
      expect(eventSpan.attributes).toMatchObject({ "hookrelay.event.type": "message.created", "hookrelay.event.deliveries": 2, "hookrelay.account.id": expect.stringMatching(/^acc_/) });

      // Its parent is the request that carried it.
      const request = byId.get(eventSpan.parentSpanId!)!;
      const isBatch = eventId !== single.body.id;
      expect(request).toMatchObject({
        traceId: eventSpan.traceId,
        kind: SERVER,
        name: isBatch ? "POST /v1/events/batch" : "POST /v1/events",
        service: "hookrelay-api",
        attributes: expect.objectContaining({
          "http.request.method": "POST",
          "http.route": isBatch ? "/v1/events/batch" : "/v1/events",
          "http.response.status_code": 202,
          "hookrelay.request.id": isBatch ? "req-batch-1" : "req-single-1",
        }),
      });
      expect(request.parentSpanId).toBeUndefined();

      // The row carries the event span's context, which the worker read back for each attempt.
      const row = await app.container.db.event.findUniqueOrThrow({ where: { id: eventId } });
      expect(row.traceContext).toBe(`00-${eventSpan.traceId}-${eventSpan.spanId}-01`);

      const logged = attempts.filter((a) => a.eventId === eventId);
      const attemptSpans = spans.filter((s) => s.name === "hookrelay.attempt" && s.attributes["hookrelay.event.id"] === eventId);
      expect(attemptSpans).toHaveLength(logged.length);
      for (const a of logged) {
        const span = attemptSpans.find((s) => s.attributes["hookrelay.delivery.id"] === a.deliveryId && s.attributes["hookrelay.attempt.number"] === a.attemptNumber);
        expect(span).toMatchObject({
          traceId: eventSpan.traceId,
          parentSpanId: eventSpan.spanId,
          kind: CLIENT,
          service: "hookrelay-worker",
          attributes: expect.objectContaining({
            "http.request.method": "POST",
            "server.address": "127.0.0.1",
            "server.port": Number(new URL(a.requestUrl).port),
            "http.response.status_code": a.responseStatus,
            "hookrelay.attempt.outcome": "response",
            "hookrelay.attempt.elapsed_ms": a.responseTimeMs,
            "hookrelay.webhook.id": a.webhookId,
          }),
        });
        expect(span!.status.code).toBe(a.success ? 0 : ERROR);
      }
    }
    // The failed attempt and its retry: two spans of one delivery, the first an error.
    const retried = spans.filter((s) => s.name === "hookrelay.attempt" && s.attributes["hookrelay.webhook.id"] === flaky.id && s.attributes["http.response.status_code"] === 500);
    expect(retried).toHaveLength(1);
    expect(retried[0]!.attributes["error.type"]).toBe("500");
    expect(spans.filter((s) => s.name === "hookrelay.attempt" && s.attributes["hookrelay.delivery.id"] === retried[0]!.attributes["hookrelay.delivery.id"]).map((s) => s.attributes["hookrelay.attempt.number"]).sort()).toEqual([1, 2]);

    // One enqueue per request, under the request's span.
    for (const requestId of ["req-batch-1", "req-single-1"]) {
      const request = spans.find((s) => s.attributes["hookrelay.request.id"] === requestId)!;
      expect(spans.filter((s) => s.name === "hookrelay.enqueue" && s.parentSpanId === request.spanId).map((s) => s.attributes["hookrelay.deliveries"])).toEqual([requestId === "req-batch-1" ? 4 : 2]);
    }
    // No receiver URL anywhere (it may hold a secret), and no trace context sent to receivers by default.
    expect(JSON.stringify(spans)).not.toContain(steady.receiver.url);
    expect([...steady.receiver.deliveries, ...flaky.receiver.deliveries].map((d) => d.headers.traceparent)).toEqual(Array(7).fill(undefined));
  });

  it("continues the trace of a product service that passes traceparent", async () => {
    await aWebhook(app, key, { eventTypes: ["chat.status_changed"] });
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const callerSpan = "00f067aa0ba902b7";
    const res = await app.call("POST", "/v1/events", { key, headers: { traceparent: `00-${traceId}-${callerSpan}-01` }, body: { type: "chat.status_changed", data: {} } });
    expect(res.status).toBe(202);
    await settled(app, [res.body.id]);

    const spans = await eventually(async () => {
      await app.container.tracing.flush();
      const mine = collector.spans().filter((s) => s.traceId === traceId);
      return mine.some((s) => s.name === "hookrelay.attempt") && mine;
    }, "the attempt in the caller's trace");
    const request = spans.find((s) => s.kind === SERVER)!;
    const event = spans.find((s) => s.name === "hookrelay.event")!;
    expect(request.parentSpanId).toBe(callerSpan);
    expect(event.parentSpanId).toBe(request.spanId);
    expect(spans.find((s) => s.name === "hookrelay.attempt")!.parentSpanId).toBe(event.spanId);
  });

  it("names a request by its route template, not its path, marks only a 5xx as an error, and leaves probes out", async () => {
    expect((await app.call("GET", "/healthz")).status).toBe(200);
    const res = await app.call("GET", "/v1/events/evt_doesnotexist", { key });
    expect(res.status).toBe(404);
    const spans = await eventually(async () => {
      await app.container.tracing.flush();
      return collector.spans().find((s) => s.kind === SERVER && s.attributes["url.path"] === "/v1/events/evt_doesnotexist");
    }, "the request's span");
    expect(spans).toMatchObject({ name: "GET /v1/events/:id", status: { code: 0 }, attributes: expect.objectContaining({ "http.route": "/v1/events/:id", "http.response.status_code": 404 }) });
    expect(collector.spans().filter((s) => s.attributes["url.path"] === "/healthz")).toEqual([]);
  });
});

describe("trace context sent on to receivers (HOOKRELAY_TRACE_PROPAGATE_TO_RECEIVERS)", () => {
  let collector: OtlpCollector;
  let app: TestApp;

  beforeAll(async () => {
    collector = await startOtlpCollector();
    app = await startTestApp(tracingOn(collector, { HOOKRELAY_TRACE_PROPAGATE_TO_RECEIVERS: "true" }), { worker: true });
  });
  afterAll(async () => {
    await app?.close();
    await collector?.close();
  });

  it("gives the receiver a traceparent of the event's trace whose parent is the attempt's span", async () => {
    const { apiKey } = await app.newAccount();
    const { receiver } = await aWebhook(app, apiKey);
    const res = await app.call("POST", "/v1/events", { key: apiKey, body: { type: "message.created", data: {} } });
    await settled(app, [res.body.id]);
    const header = receiver.deliveries[0]!.headers.traceparent as string;
    expect(header).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    const spans = await collected(app, collector, "hookrelay.attempt", 1);
    const event = spans.find((s) => s.name === "hookrelay.event" && s.attributes["hookrelay.event.id"] === res.body.id)!;
    const attempt = spans.find((s) => s.name === "hookrelay.attempt")!;
    expect(header).toBe(`00-${event.traceId}-${attempt.spanId}-01`);
    // What was sent is what the attempt log shows.
    const logged = await app.container.db.deliveryAttempt.findFirstOrThrow({ where: { eventId: res.body.id } });
    expect(logged.requestHeaders).toMatchObject({ traceparent: header });
  });
});

describe("tracing off", () => {
  let collector: OtlpCollector;
  afterEach(async () => {
    await collector?.close();
  });

  it("without an endpoint: no spans, and the event's trace context stays null", async () => {
    collector = await startOtlpCollector();
    const app = await startTestApp(FAST, { worker: true });
    try {
      expect(app.container.tracing.enabled).toBe(false);
      const { apiKey } = await app.newAccount();
      const { receiver } = await aWebhook(app, apiKey);
      const res = await app.call("POST", "/v1/events", { key: apiKey, headers: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" }, body: { type: "message.created", data: {} } });
      await settled(app, [res.body.id]);
      expect((await app.container.db.event.findUniqueOrThrow({ where: { id: res.body.id } })).traceContext).toBeNull();
      expect(receiver.deliveries[0]!.headers.traceparent).toBeUndefined();
    } finally {
      await app.close();
    }
    expect(collector.requests).toHaveLength(0);
  });

  it("with OTEL_SDK_DISABLED=true an endpoint is ignored: the collector receives nothing", async () => {
    collector = await startOtlpCollector();
    const app = await startTestApp(tracingOn(collector, { OTEL_SDK_DISABLED: "true" }), { worker: true });
    try {
      expect(app.container.tracing.enabled).toBe(false);
      const { apiKey } = await app.newAccount();
      await aWebhook(app, apiKey);
      const res = await app.call("POST", "/v1/events", { key: apiKey, body: { type: "message.created", data: {} } });
      await settled(app, [res.body.id]);
      expect((await app.container.db.event.findUniqueOrThrow({ where: { id: res.body.id } })).traceContext).toBeNull();
    } finally {
      // close() would have sent anything still batched.
      await app.close();
    }
    expect(collector.requests).toHaveLength(0);
  });
});

describe("the default protocol", () => {
  it("is OTLP's own default, protobuf over HTTP, to <endpoint>/v1/traces", async () => {
    const collector = await startOtlpCollector();
    const app = await startTestApp({ ...FAST, OTEL_EXPORTER_OTLP_ENDPOINT: `${collector.url}/`, OTEL_EXPORTER_OTLP_HEADERS: "x-collector-key=s3cr%3Dt" });
    try {
      expect((await app.call("GET", "/v1/event-types", { key: (await app.newAccount()).apiKey })).status).toBe(200);
      // Protobuf is not decoded here; the span's name is in it as plain bytes.
      const exported = await eventually(async () => {
        await app.container.tracing.flush();
        return collector.requests.find((r) => r.body.includes("GET /v1/event-types"));
      }, "an export holding the request's span");
      expect(exported.headers).toMatchObject({ "content-type": "application/x-protobuf", "x-collector-key": "s3cr=t" });
      expect(collector.spans()).toEqual([]);
    } finally {
      await app.close();
      await collector.close();
    }
  });
});
