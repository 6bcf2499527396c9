import { apiKeyPrefix } from "../../src/accounts/api-keys";
import type { Clock } from "../../src/lib/clock";
import { startTestApp, type TestApp } from "../support/app";

/**
 * An API process trusts a key it has checked for HOOKRELAY_AUTH_CACHE_TTL: a key revoked in
 * the database keeps working that long at most, and no longer.
 */
describe("the authentication cache", () => {
  let now = Date.parse("2026-11-23T10:00:00Z");
  const clock: Clock = { now: () => new Date(now) };
  const apps: TestApp[] = [];
  afterAll(() => Promise.all(apps.map((a) => a.close())));

  const revoke = async (app: TestApp, apiKey: string) => {
    const { count } = await app.container.db.apiKey.updateMany({ where: { prefix: apiKeyPrefix(apiKey)! }, data: { revokedAt: new Date() } });
    expect(count).toBe(1);
  };

  it("keeps trusting a revoked key only until the TTL has passed", async () => {
    const app = await startTestApp({ HOOKRELAY_AUTH_CACHE_TTL: "5s" }, { clock });
    apps.push(app);
    const { apiKey } = await app.newAccount();
    expect((await app.call("GET", "/v1/webhooks", { key: apiKey })).status).toBe(200);

    await revoke(app, apiKey);
    now += 4_000;
    expect((await app.call("GET", "/v1/webhooks", { key: apiKey })).status).toBe(200);
    now += 1_001;
    expect((await app.call("GET", "/v1/webhooks", { key: apiKey })).status).toBe(401);
  });

  it("with a TTL of 0 asks the database on every request", async () => {
    const app = await startTestApp({ HOOKRELAY_AUTH_CACHE_TTL: "0" }, { clock });
    apps.push(app);
    const { apiKey } = await app.newAccount();
    expect((await app.call("GET", "/v1/webhooks", { key: apiKey })).status).toBe(200);
    await revoke(app, apiKey);
    expect((await app.call("GET", "/v1/webhooks", { key: apiKey })).status).toBe(401);
  });

  it("does not remember a wrong key as right, nor a right one as wrong", async () => {
    const app = await startTestApp({ HOOKRELAY_AUTH_CACHE_TTL: "5s" }, { clock });
    apps.push(app);
    const { apiKey } = await app.newAccount();
    const wrong = apiKey.slice(0, -1) + (apiKey.endsWith("A") ? "B" : "A");
    expect((await app.call("GET", "/v1/webhooks", { key: wrong })).status).toBe(401);
    expect((await app.call("GET", "/v1/webhooks", { key: apiKey })).status).toBe(200);
    expect((await app.call("GET", "/v1/webhooks", { key: wrong })).status).toBe(401);
  });
});
