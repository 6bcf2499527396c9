import { createHmac } from "node:crypto";
import { Worker } from "bullmq";
import IORedis from "ioredis";
import { Agent, request } from "undici";
import { EVENT_TYPE, VERIFY_TOKEN, eventData } from "../harness/api-client";

/**
 * The baseline's worker process (forked by baseline.ts): the least a BullMQ delivery worker
 * must do. Render the same envelope, HMAC-sign it, POST it with undici over a shared
 * keep-alive agent, read the answer. No database.
 */
export interface BaselineJob {
  deliveryId: string;
  seq: number;
}

const redisUrl = process.env.REDIS_URL!;
const prefix = process.env.BENCH_PREFIX!;
const queueName = process.env.BENCH_QUEUE!;
const target = process.env.BENCH_TARGET!;
const concurrency = Number(process.env.BENCH_CONCURRENCY);
const connections = Number(process.env.BENCH_CONNECTIONS);

// The same outbound settings as src/lib/outbound-http.ts.
const agent = new Agent({ connections, keepAliveTimeout: 4_000 });
const connection = new IORedis(redisUrl, { maxRetriesPerRequest: null });
const createdAt = new Date().toISOString();

const worker = new Worker<BaselineJob>(
  queueName,
  async (job) => {
    const data = JSON.stringify(eventData("baseline", job.data.seq));
    const body = `{"id":${JSON.stringify(`evt_${job.data.deliveryId}`)},"type":"${EVENT_TYPE}","createdAt":"${createdAt}","data":${data}}`;
    const signature = `sha256=${createHmac("sha256", VERIFY_TOKEN).update(body).digest("hex")}`;
    const res = await request(target, {
      dispatcher: agent,
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "hookrelay-bench",
        "x-webhook-event": EVENT_TYPE,
        "x-webhook-id": job.data.deliveryId,
        "x-webhook-attempt": "1",
        "x-hub-signature-256": signature,
      },
      body,
      signal: AbortSignal.timeout(5_000),
    });
    await res.body.text();
    if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`status ${res.statusCode}`);
  },
  { connection, prefix, concurrency, lockDuration: 30_000 },
);

void worker.waitUntilReady().then(() => process.send?.({ type: "ready" }));
process.on("disconnect", () => {
  void worker
    .close()
    .then(() => agent.close())
    .finally(() => process.exit(0));
});
