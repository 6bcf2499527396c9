import { randomBytes } from "node:crypto";
import { ConfigError, loadConfig } from "../../src/config";

/** BullMQ's lock and stall settings and the worker liveness TTL (src/config.ts). */
const required = {
  DATABASE_URL: "postgresql://hookrelay@localhost:5432/hookrelay",
  REDIS_URL: "redis://localhost:6379",
  HOOKRELAY_ADMIN_KEY: "admin-key-of-24-characters",
  HOOKRELAY_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString("base64")}`,
};

describe("worker lock settings", () => {
  it("reads them in human units", () => {
    const config = loadConfig({ ...required, HOOKRELAY_JOB_LOCK_DURATION: "30s", HOOKRELAY_STALLED_INTERVAL: "500ms", HOOKRELAY_MAX_STALLED_COUNT: "3", HOOKRELAY_WORKER_LIVENESS_TTL: "2s", HOOKRELAY_DELIVERY_TIMEOUT_MS: "20000" });
    expect(config).toMatchObject({ jobLockMs: 30_000, stalledIntervalMs: 500, maxStalledCount: 3, workerLivenessMs: 2_000 });
  });

  it("refuses a lock no longer than the delivery timeout", () => {
    expect(() => loadConfig({ ...required, HOOKRELAY_JOB_LOCK_DURATION: "5s" })).toThrow(/HOOKRELAY_JOB_LOCK_DURATION: must be longer than HOOKRELAY_DELIVERY_TIMEOUT_MS \(5000 ms\)/);
    expect(() => loadConfig({ ...required, HOOKRELAY_DELIVERY_TIMEOUT_MS: "15000" })).toThrow(ConfigError);
    expect(loadConfig({ ...required, HOOKRELAY_DELIVERY_TIMEOUT_MS: "15000", HOOKRELAY_JOB_LOCK_DURATION: "16s" }).jobLockMs).toBe(16_000);
  });

  it.each([
    ["HOOKRELAY_WORKER_LIVENESS_TTL", "500ms"],
    ["HOOKRELAY_WORKER_LIVENESS_TTL", "soon"],
    ["HOOKRELAY_STALLED_INTERVAL", "10ms"],
    ["HOOKRELAY_MAX_STALLED_COUNT", "0"],
    ["HOOKRELAY_JOB_LOCK_DURATION", "forever"],
  ])("refuses %s=%s", (name, value) => {
    expect(() => loadConfig({ ...required, [name]: value })).toThrow(new RegExp(name));
  });
});
