import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import express from "express";
import IORedis from "ioredis";
import type { FloorJob } from "./floor-worker";

/**
 * The floor's ingest process (forked by floor.ts): the least an HTTP ingest in front of BullMQ
 * must do with the same libraries hookrelay uses. express parses the JSON event; one job per
 * subscribed endpoint goes to BullMQ in one addBulk; 202. No database, no auth, no validation
 * beyond JSON: what is left is the cost of the libraries themselves.
 */
const port = Number(process.env.PORT);
const targets = (process.env.BENCH_TARGETS ?? "").split(",").filter(Boolean);
const connection = new IORedis(process.env.REDIS_URL!, { maxRetriesPerRequest: null });
const queue = new Queue<FloorJob>(process.env.BENCH_QUEUE!, {
  connection,
  prefix: process.env.BENCH_PREFIX!,
  defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
});

const app = express();
app.use(express.json({ limit: "1mb" }));
app.post("/v1/events", async (req, res) => {
  const body = req.body as { type?: string; data?: unknown };
  const id = `evt_${randomUUID()}`;
  const createdAt = new Date().toISOString();
  const data = JSON.stringify(body.data ?? {});
  await queue.addBulk(
    targets.map((url, i) => ({ name: "deliver", data: { url, eventId: id, deliveryId: `${id}-${i}`, type: body.type ?? "event", createdAt, data } })),
  );
  res.status(202).json({ id, deliveries: targets.length });
});

const server = app.listen(port, "127.0.0.1", () => process.send?.({ type: "ready" }));
process.on("disconnect", () => {
  server.close();
  void queue.close().finally(() => process.exit(0));
});
