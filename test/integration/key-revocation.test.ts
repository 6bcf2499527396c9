import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { apiKeyPrefix } from "../../src/accounts/api-keys";
import { createKeyRevocations } from "../../src/accounts/key-revocations";
import { buildContainer, type Container } from "../../src/container";
import { listen } from "../../src/http/server";
import { eventually, startTestApp, type TestApp } from "../support/app";
import { requireEnv, testConfig } from "../support/env";
import { createLogger } from "../../src/lib/logger";

/**
 * Two API processes on one database and one Redis, each trusting a checked key for 60 s. A key
 * revoked (or rotated without grace) through the first must be refused by the second within a
 * second: the revocation is announced over Redis and drops the key from the second's cache.
 */
const CACHE_TTL = { HOOKRELAY_AUTH_CACHE_TTL: "60s" };

describe("revocation across API processes", () => {
  let first: TestApp;
  let second: Container;
  let server: Server;
  let secondUrl: string;

  beforeAll(async () => {
    first = await startTestApp(CACHE_TTL);
    second = buildContainer(testConfig(first.db.url, { HOOKRELAY_QUEUE_PREFIX: first.container.config.queuePrefix, ...CACHE_TTL }));
    server = await listen(second.createApp(), 0, "127.0.0.1");
    secondUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await second.close();
    await first.close();
  });

  const onSecond = async (key: string) => (await fetch(`${secondUrl}/v1/webhooks`, { headers: { authorization: `Bearer ${key}` } })).status;

  /** Polls the second process until it refuses `key`; how long that took. */
  async function msUntilRefused(key: string, since: number): Promise<number> {
    while (Date.now() - since < 5_000) {
      if ((await onSecond(key)) === 401) return Date.now() - since;
      await new Promise((r) => setTimeout(r, 10));
    }
    return Infinity;
  }

  /** An account key, already trusted by the second process's cache. */
  async function warmKey(): Promise<{ accountId: string; apiKey: string; keyId: string }> {
    const { accountId, apiKey } = await first.newAccount();
    expect(await onSecond(apiKey)).toBe(200);
    const keyId = (await first.container.db.apiKey.findUniqueOrThrow({ where: { prefix: apiKeyPrefix(apiKey)! } })).id;
    return { accountId, apiKey, keyId };
  }

  it("without an announcement, the second process keeps trusting a key revoked in the database (the cache this test defeats)", async () => {
    const { apiKey, keyId } = await warmKey();
    await first.container.db.apiKey.update({ where: { id: keyId }, data: { revokedAt: new Date() } });
    expect(await onSecond(apiKey)).toBe(200);
    // The first process asks the database: it never cached this key.
    expect((await first.call("GET", "/v1/webhooks", { key: apiKey })).status).toBe(401);
  });

  it("refuses a revoked key on the second process within 1 s", async () => {
    const { apiKey, keyId } = await warmKey();
    const revoked = await first.call("POST", `/v1/api-keys/${keyId}/revoke`, { key: apiKey });
    expect(revoked.status).toBe(200);
    const elapsed = await msUntilRefused(apiKey, Date.now());
    expect(elapsed).toBeLessThan(1_000);
    expect((await first.call("GET", "/v1/webhooks", { key: apiKey })).status).toBe(401);
  });

  it("refuses a key rotated with a grace of 0 on the second process within 1 s, and takes its replacement", async () => {
    const { accountId, apiKey, keyId } = await warmKey();
    const rotated = await first.call("POST", `/v1/accounts/${accountId}/api-keys/${keyId}/rotate`, { key: first.adminKey, body: { gracePeriodSeconds: 0 } });
    expect(rotated.status).toBe(200);
    const elapsed = await msUntilRefused(apiKey, Date.now());
    expect(elapsed).toBeLessThan(1_000);
    expect(await onSecond(rotated.body.apiKey.apiKey)).toBe(200);
  });

  it("keeps a key rotated with a grace period working on the second process until its expiry, then refuses it", async () => {
    const { apiKey, keyId } = await warmKey();
    const rotated = await first.call("POST", `/v1/api-keys/${keyId}/rotate`, { key: apiKey, body: { gracePeriodSeconds: 2 } });
    expect(rotated.status).toBe(200);
    const expiresAt = Date.parse(rotated.body.previous.expiresAt);
    expect(rotated.body.previous).toMatchObject({ id: keyId, replacedBy: rotated.body.apiKey.id });
    // Both work during the grace period, on both processes.
    expect(await onSecond(apiKey)).toBe(200);
    expect((await first.call("GET", "/v1/webhooks", { key: apiKey })).status).toBe(200);
    expect(await onSecond(rotated.body.apiKey.apiKey)).toBe(200);

    let refusedAt = Infinity;
    while (Date.now() < expiresAt + 3_000) {
      const status = await onSecond(apiKey);
      if (status === 401) {
        refusedAt = Date.now();
        break;
      }
      expect(status).toBe(200);
      await new Promise((r) => setTimeout(r, 20));
    }
    // Not before its expiry (the cache entry ends there, 60 s TTL or not), and not long after.
    expect(refusedAt).toBeGreaterThanOrEqual(expiresAt);
    expect(refusedAt - expiresAt).toBeLessThan(1_000);
    expect((await first.call("GET", "/v1/webhooks", { key: apiKey })).status).toBe(401);
    expect(await onSecond(rotated.body.apiKey.apiKey)).toBe(200);
  });
});

describe("the revocation channel", () => {
  it("delivers announced key ids to a listener, and after its connection drops and comes back, tells it to forget everything", async () => {
    const prefix = `hrtest-${randomBytes(5).toString("hex")}`;
    const publisher = new Redis(requireEnv("REDIS_URL"));
    const subscriber = new Redis(requireEnv("REDIS_URL"));
    const revocations = createKeyRevocations({ publisher, connectSubscriber: () => subscriber, prefix, logger: createLogger("silent") });
    const heard: string[] = [];
    try {
      revocations.listen({ forget: (id) => void heard.push(id), forgetAll: () => void heard.push("*") });
      await eventually(async () => (await publisher.pubsub("NUMSUB", `${prefix}:api-keys:revoked`))[1] === 1, "the subscription");
      await revocations.publish(["key_1", "key_2"]);
      await eventually(async () => heard.length === 2, "two announcements");
      expect(heard).toEqual(["key_1", "key_2"]);
      // Whatever was published while it was away is lost to it: it must drop its whole cache.
      subscriber.disconnect(true);
      await eventually(async () => heard.includes("*"), "forget-all after the reconnection");
      await eventually(async () => (await publisher.pubsub("NUMSUB", `${prefix}:api-keys:revoked`))[1] === 1, "the subscription again");
      await revocations.publish(["key_3"]);
      await eventually(async () => heard.includes("key_3"), "an announcement after the reconnection");
    } finally {
      await revocations.close();
      publisher.disconnect();
    }
  });
});
