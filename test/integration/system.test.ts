import { startTestApp, type TestApp } from "../support/app";
import { closedPort } from "../support/receivers";

describe("health and readiness probes", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it("answers /healthz without a key", async () => {
    const res = await app.call("GET", "/healthz");
    expect(res).toMatchObject({ status: 200, body: { status: "ok" } });
  });

  it("answers /readyz 200 when Postgres and Redis answer", async () => {
    const res = await app.call("GET", "/readyz");
    expect(res).toMatchObject({ status: 200, body: { status: "ready", checks: { postgres: "ok", redis: "ok" } } });
  });

  it("answers /readyz 503 naming the dependency that is down", async () => {
    const port = await closedPort();
    const broken = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${port}` });
    try {
      const res = await broken.call("GET", "/readyz");
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe("not_ready");
      expect(res.body.error.details.checks.postgres).toBe("ok");
      expect(res.body.error.details.checks.redis).not.toBe("ok");
      expect((await broken.call("GET", "/healthz")).status).toBe(200);
    } finally {
      await broken.close();
    }
  });

  it("tags every answer with a request id, keeping the caller's", async () => {
    const res = await app.call("GET", "/healthz", { headers: { "x-request-id": "trace-123" } });
    expect(res.headers.get("x-request-id")).toBe("trace-123");
    expect((await app.call("GET", "/healthz")).headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});
