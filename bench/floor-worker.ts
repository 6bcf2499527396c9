import { createHmac } from "node:crypto";
import { Worker } from "bullmq";
import IORedis from "ioredis";
import { Agent, request } from "undici";
import { VERIFY_TOKEN } from "../harness/api-client";

/**
 * The floor's worker process (forked by floor.ts): render the envelope, HMAC-SHA256 it, POST it
 * with undici over a keep-alive agent with hookrelay's connection cap, read the answer.
 */
export interface FloorJob {
  url: string;
  eventId: string;
  deliveryId: string;
  type: string;
  createdAt: string;
  data: string;
}

const connections = Number(process.env.BENCH_CONNECTIONS);
const agent = new Agent({ connections, keepAliveTimeout: 4_000 });
const connection = new IORedis(process.env.REDIS_URL!, { maxRetriesPerRequest: null });

const worker = new Worker<FloorJob>(
  process.env.BENCH_QUEUE!,
  async (job) => {
    const j = job.data;
    const body = `{"id":${JSON.stringify(j.eventId)},"type":${JSON.stringify(j.type)},"createdAt":"${j.createdAt}","data":${j.data}}`;
    const res = await request(j.url, {
      dispatcher: agent,
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "hookrelay-floor",
        "x-webhook-event": j.type,
        "x-webhook-id": j.deliveryId,
        "x-webhook-attempt": "1",
        "x-hub-signature-256": `sha256=${createHmac("sha256", VERIFY_TOKEN).update(body).digest("hex")}`,
      },
      body,
      signal: AbortSignal.timeout(5_000),
    });
    await res.body.text();
    if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`status ${res.statusCode}`);
  },
  { connection, prefix: process.env.BENCH_PREFIX!, concurrency: Number(process.env.BENCH_CONCURRENCY), lockDuration: 30_000 },
);

void worker.waitUntilReady().then(() => process.send?.({ type: "ready" }));
process.on("disconnect", () => {
  void worker
    .close()
    .then(() => agent.close())
    .finally(() => process.exit(0));
});
