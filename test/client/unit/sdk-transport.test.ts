import { errorFromResponse, NetworkError, RateLimitError, ValidationError } from "../../../packages/client/src/sdk/errors";
import { KEYED, retryingFetch, type FetchLike } from "../../../packages/client/src/sdk/transport";

/**
 * The retrying fetch, driven by a scripted fetch (each call answers the next entry) and an
 * instant sleep that records what it was asked to wait. Against the real API: test/client/sdk*.test.ts.
 */
type Step = Response | Error | "hang";
function scripted(steps: Step[]) {
  const calls: { method: string; body: string | null; headers: Headers }[] = [];
  const fetch: FetchLike = async (_url, init) => {
    calls.push({ method: init.method ?? "GET", body: init.body ? new TextDecoder().decode(init.body as ArrayBuffer) : null, headers: new Headers(init.headers) });
    const step = steps.shift() ?? new Response("{}", { status: 200 });
    if (step === "hang") {
      return new Promise<Response>((_, reject) => init.signal?.addEventListener("abort", () => reject(init.signal?.reason)));
    }
    if (step instanceof Error) throw step;
    return step;
  };
  return { fetch, calls };
}
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 10_000 };
const post = (body: unknown, keyed = false) => {
  const req = new Request("http://api.test/v1/events", { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  if (keyed) (req as Request & Record<string, unknown>)[KEYED] = true;
  return req;
};
const setup = (steps: Step[], timeoutMs = 5_000) => {
  const { fetch, calls } = scripted(steps);
  const waits: number[] = [];
  const send = retryingFetch({ fetch, retry: policy, timeoutMs, sleep: async (ms) => void waits.push(ms), random: () => 0.5 });
  return { send, calls, waits };
};

describe("the retrying fetch", () => {
  it("sends the same bytes on every attempt and waits Retry-After after a 429", async () => {
    const { send, calls, waits } = setup([json(429, { error: { code: "rate_limited", message: "slow down" } }, { "retry-after": "2" }), json(202, { id: "evt_1" })]);
    const res = await send(post({ type: "a.b", data: { x: 1 } }));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ id: "evt_1" });
    expect(calls.map((c) => c.body)).toEqual([JSON.stringify({ type: "a.b", data: { x: 1 } }), JSON.stringify({ type: "a.b", data: { x: 1 } })]);
    expect(waits).toEqual([2_050]);
  });

  it("answers the last 429 once the attempts are spent", async () => {
    const limited = () => json(429, { error: { code: "rate_limited", message: "slow down" } }, { "retry-after": "1" });
    const { send, calls } = setup([limited(), limited(), limited(), limited(), limited()]);
    const res = await send(new Request("http://api.test/v1/webhooks"));
    expect(res.status).toBe(429);
    expect(calls).toHaveLength(4);
  });

  it("does not repeat an unkeyed POST after a network error, and says why", async () => {
    const { send, calls } = setup([new TypeError("fetch failed"), json(201, {})]);
    const err = await send(post({ url: "https://x" })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).message).toMatch(/fetch failed.*not safe/);
    expect(calls).toHaveLength(1);
  });

  it("repeats a keyed POST after network errors, backing off", async () => {
    const { send, calls, waits } = setup([new TypeError("fetch failed"), new TypeError("fetch failed"), json(202, {})]);
    expect((await send(post({ type: "a.b", data: {} }, true))).status).toBe(202);
    expect(calls).toHaveLength(3);
    expect(waits).toEqual([50, 100]);
  });

  it("repeats a POST whose body carries an idempotency key (as through hr.api)", async () => {
    const { send, calls } = setup([new TypeError("fetch failed"), json(202, {})]);
    expect((await send(post({ type: "a.b", data: {}, idempotencyKey: "k" }))).status).toBe(202);
    expect(calls).toHaveLength(2);
  });

  it("times each attempt out, and retries a GET that timed out", async () => {
    const { send, calls } = setup(["hang", json(200, { data: [] })], 50);
    expect((await send(new Request("http://api.test/v1/webhooks"))).status).toBe(200);
    expect(calls).toHaveLength(2);
    const once = setup(["hang"], 50);
    const err = await once.send(post({ url: "https://x" })).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "NetworkError", status: 0, code: "network_error", timedOut: true });
  });

  it("lets the caller's abort through untouched, without retrying", async () => {
    const { send, calls } = setup(["hang"]);
    const controller = new AbortController();
    const pending = send(new Request("http://api.test/v1/webhooks", { signal: controller.signal }));
    setTimeout(() => controller.abort(), 10);
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    expect(calls).toHaveLength(1);
  });

  it("makes one attempt only with retries off", async () => {
    const { fetch, calls } = scripted([json(503, {}), json(200, {})]);
    const res = await retryingFetch({ fetch, retry: null, timeoutMs: 1_000 })(new Request("http://api.test/v1/webhooks"));
    expect(res.status).toBe(503);
    expect(calls).toHaveLength(1);
  });
});

describe("errors from answers", () => {
  it("carry the code, message, issues, request id and Retry-After", () => {
    const issues = [{ field: "body.url", message: "Invalid URL", code: "invalid_format", params: { format: "url" } }];
    const err = errorFromResponse(json(400, { error: { code: "validation_failed", message: "body.url: Invalid URL", details: { issues } } }, { "x-request-id": "req_1" }), {
      error: { code: "validation_failed", message: "body.url: Invalid URL", details: { issues } },
    });
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ name: "ValidationError", status: 400, code: "validation_failed", issues, requestId: "req_1", retryAfterSeconds: null });
    const limited = errorFromResponse(json(429, {}, { "retry-after": "3" }), { error: { code: "rate_limited", message: "slow" } });
    expect(limited).toBeInstanceOf(RateLimitError);
    expect(limited.retryAfterSeconds).toBe(3);
  });

  it("still say something for an answer not in the API's format (a proxy's page)", () => {
    const err = errorFromResponse(new Response("<html>Bad gateway</html>", { status: 502, statusText: "Bad Gateway" }), "<html>Bad gateway</html>");
    expect(err).toMatchObject({ name: "HookrelayError", status: 502, code: "http_502", issues: [], message: expect.stringContaining("502 Bad Gateway") });
  });
});
