import type { ServerResponse } from "node:http";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { aWebhook } from "../support/factories";

/**
 * The scheduler with real BullMQ, workers and receivers: a full webhook's deliveries wait
 * outside the queue, accounts are served in turn, retries wait in the scheduler.
 */
const emitBatch = (app: TestApp, key: string, n: number, tag: string) =>
  app.call("POST", "/v1/events/batch", { key, body: { events: Array.from({ length: n }, (_, i) => ({ type: "message.created", data: { tag, i } })) } });

describe("deliveries through the fair scheduler", () => {
  let app: TestApp;
  afterEach(async () => {
    await app?.close();
  });

  it("keeps a full webhook's waiting deliveries out of the queue: not picked up, not put back, no work while they wait", async () => {
    app = await startTestApp({ HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: "2", HOOKRELAY_DELIVERY_TIMEOUT_MS: "3000" }, { worker: true });
    const { apiKey } = await app.newAccount();
    const { receiver, id } = await aWebhook(app, apiKey);
    const hung: ServerResponse[] = [];
    receiver.respond = (_req, res) => void hung.push(res);
    expect((await emitBatch(app, apiKey, 30, "hung")).status).toBe(202);

    await eventually(async () => receiver.deliveries.length === 2, "the two attempts the cap allows");
    const counts = await app.container.queue.getJobCounts("active", "waiting", "delayed", "prioritized");
    expect(counts).toEqual({ active: 2, waiting: 0, paused: 0, delayed: 0, prioritized: 0 });
    expect(await app.container.fairQueue.webhookState(id)).toEqual({ waiting: 28, inFlight: 2 });
    // A while later: still only the two, nothing churned through the queue meanwhile.
    const before = await jobsCreated(app);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(receiver.deliveries).toHaveLength(2);
    expect(await jobsCreated(app)).toBe(before);

    // Freed capacity goes to the webhook's next waiting deliveries, in the order they were
    // emitted: two at a time, so each arrives at most one place from where it was emitted.
    receiver.respond = (_req, res) => res.writeHead(200).end("ok");
    for (const res of hung.splice(0)) res.writeHead(200).end("ok");
    await eventually(async () => receiver.deliveries.length === 30, "every delivery", 15_000);
    const rest = receiver.deliveries.slice(2).map((d) => JSON.parse(d.body.toString()).data.i as number);
    const emitted = [...rest].sort((a, b) => a - b);
    expect(Math.max(...rest.map((v, k) => Math.abs(k - emitted.indexOf(v))))).toBeLessThanOrEqual(1);
    await eventually(async () => (await app.container.fairQueue.webhookState(id)).inFlight === 0, "the slots to be free");
    expect(await app.container.fairQueue.webhookState(id)).toEqual({ waiting: 0, inFlight: 0 });
  });

  it("serves a quiet account in turn while another account's burst waits behind its webhook's cap", async () => {
    app = await startTestApp({ HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: "4", HOOKRELAY_WORKER_CONCURRENCY: "8" }, { worker: true });
    const busy = await app.newAccount("busy");
    const quiet = await app.newAccount("quiet");
    const burst = await aWebhook(app, busy.apiKey, { path: "/burst" });
    const calm = await aWebhook(app, quiet.apiKey, { path: "/calm" });
    // Each burst delivery takes 20 ms at the endpoint: 600 of them, 4 at a time, take ~3 s.
    burst.receiver.respond = (_req, res) => void setTimeout(() => res.writeHead(200).end("ok"), 20);
    for (let b = 0; b < 6; b++) expect((await emitBatch(app, busy.apiKey, 100, "burst")).status).toBe(202);
    const sent = Date.now();
    expect((await emitBatch(app, quiet.apiKey, 5, "calm")).status).toBe(202);
    await eventually(async () => calm.receiver.deliveries.length === 5, "the quiet account's deliveries", 10_000);
    // In first-come order they would wait for the 600 ahead of them; served in turn, they do not.
    expect(Math.max(...calm.receiver.deliveries.map((d) => d.at)) - sent).toBeLessThan(1_000);
    expect(burst.receiver.deliveries.length).toBeLessThan(400);
  });

  it("lets a job that frees a slot go on with the webhook's next delivery itself, without a job of its own", async () => {
    app = await startTestApp({ HOOKRELAY_MAX_IN_FLIGHT_PER_WEBHOOK: "1" }, { worker: true });
    const { apiKey } = await app.newAccount();
    const { receiver, id } = await aWebhook(app, apiKey);
    expect((await emitBatch(app, apiKey, 20, "chain")).status).toBe(202);
    await eventually(async () => receiver.deliveries.length === 20, "every delivery");
    // One at a time, so exactly in emission order; and not one job each: the first job took
    // the others on as it freed the slot (no job waited for a worker meanwhile).
    expect(receiver.deliveries.map((d) => JSON.parse(d.body.toString()).data.i)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(await jobsCreated(app)).toBeLessThanOrEqual(2);
    await eventually(async () => (await app.container.db.delivery.count({ where: { status: "succeeded", webhookId: id } })) === 20, "all settled");
    expect(await app.container.fairQueue.webhookState(id)).toEqual({ waiting: 0, inFlight: 0 });
  });

  it("lets a retry wait in the scheduler, not in the queue, and sends it when due", async () => {
    app = await startTestApp({ HOOKRELAY_RETRY_SCHEDULE: "0,700ms", HOOKRELAY_RETRY_JITTER: "0" }, { worker: true });
    const { apiKey } = await app.newAccount();
    const { receiver, id } = await aWebhook(app, apiKey);
    receiver.respond = (_req, res) => res.writeHead(receiver.deliveries.length === 1 ? 503 : 200).end();
    expect((await emitBatch(app, apiKey, 1, "retry")).status).toBe(202);
    await eventually(async () => receiver.deliveries.length === 1, "the first attempt");
    await eventually(async () => (await app.container.fairQueue.webhookState(id)).waiting === 1, "the retry to wait in the scheduler");
    expect(await app.container.queue.getJobCounts("active", "waiting", "delayed")).toEqual({ active: 0, waiting: 0, paused: 0, delayed: 0 });
    await eventually(async () => receiver.deliveries.length === 2, "the retry");
    const gap = receiver.deliveries[1]!.at - receiver.deliveries[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(690);
    expect(gap).toBeLessThan(700 + 1_000);
    expect(receiver.deliveries.map((d) => d.headers["x-webhook-attempt"])).toEqual(["1", "2"]);
  });
});

/** BullMQ's job id counter: how many jobs were ever added to the queue. */
async function jobsCreated(app: TestApp): Promise<number> {
  return Number((await app.container.redis.get(`${app.container.config.queuePrefix}:deliveries:id`)) ?? 0);
}
