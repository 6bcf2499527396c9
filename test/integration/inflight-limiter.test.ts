import { randomBytes } from "node:crypto";
import { createInFlightLimiter } from "../../src/delivery/inflight-limiter";
import { closeRedis, createRedis } from "../../src/lib/redis";
import { requireEnv } from "../support/env";

/** The per-webhook lease cap against real Redis, asked concurrently as a worker's jobs do. */
describe("the in-flight limiter", () => {
  const redis = createRedis(requireEnv("REDIS_URL"));
  const prefix = `hrtest-limiter-${randomBytes(4).toString("hex")}`;
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await closeRedis(redis);
  });

  it("grants exactly the limit among concurrent requests for one webhook, and frees a slot on release", async () => {
    const limiter = createInFlightLimiter(redis, { prefix, limit: 2, leaseMs: 10_000 });
    const tokens = await Promise.all(Array.from({ length: 5 }, () => limiter.acquire("wh_a")));
    const granted = tokens.filter((t): t is string => t !== null);
    expect(granted).toHaveLength(2);
    expect(await limiter.acquire("wh_a")).toBeNull();

    await limiter.release("wh_a", granted[0]!);
    expect(await limiter.acquire("wh_a")).not.toBeNull();
    expect(await limiter.acquire("wh_a")).toBeNull();
  });

  it("counts each webhook on its own", async () => {
    const limiter = createInFlightLimiter(redis, { prefix, limit: 1, leaseMs: 10_000 });
    const [b1, c1, b2, c2] = await Promise.all(["wh_b", "wh_c", "wh_b", "wh_c"].map((w) => limiter.acquire(w)));
    expect([b1, c1].every((t) => t !== null)).toBe(true);
    expect([b2, c2]).toEqual([null, null]);
  });

  it("lets an expired lease go, so a worker killed mid-request cannot hold a slot for ever", async () => {
    const limiter = createInFlightLimiter(redis, { prefix, limit: 1, leaseMs: 150 });
    expect(await limiter.acquire("wh_d")).not.toBeNull();
    expect(await limiter.acquire("wh_d")).toBeNull();
    await new Promise((r) => setTimeout(r, 200));
    expect(await limiter.acquire("wh_d")).not.toBeNull();
  });
});
