import { backoffDelayMs, decideRetry, DEFAULT_RETRY_POLICY, isIdempotent, parseRetryAfterMs, type AttemptOutcome } from "../../../packages/client/src/sdk/retry";

const NOW = Date.parse("2026-03-01T12:00:00Z");
const policy = { maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 1_000, maxRetryAfterMs: 30_000 };
const decide = (outcome: AttemptOutcome, over: { attempt?: number; idempotent?: boolean; random?: number } = {}) =>
  decideRetry({ policy, attempt: over.attempt ?? 1, outcome, idempotent: over.idempotent ?? false, now: NOW, random: over.random ?? 0.5 });
const status = (s: number, retryAfter: string | null = null): AttemptOutcome => ({ kind: "response", status: s, retryAfter });

describe("Retry-After", () => {
  it("reads delta-seconds", () => {
    expect(parseRetryAfterMs("3", NOW)).toBe(3_000);
    expect(parseRetryAfterMs(" 0 ", NOW)).toBe(0);
  });
  it("reads an HTTP date, relative to now, never negative", () => {
    expect(parseRetryAfterMs("Sun, 01 Mar 2026 12:00:05 GMT", NOW)).toBe(5_000);
    expect(parseRetryAfterMs("Sun, 01 Mar 2026 11:59:00 GMT", NOW)).toBe(0);
  });
  it("ignores what it cannot read", () => {
    for (const v of [null, undefined, "", "soon", "1.5", "-2"]) expect(parseRetryAfterMs(v, NOW)).toBeNull();
  });
});

describe("the retry decision", () => {
  it("waits out Retry-After on 429 and 503 for any method, plus at most a small jitter", () => {
    for (const s of [429, 503]) {
      const low = decide(status(s, "2"), { random: 0 });
      const high = decide(status(s, "2"), { random: 0.999 });
      expect(low).toMatchObject({ kind: "retry", delayMs: 2_000 });
      expect(high.kind === "retry" && high.delayMs).toBeGreaterThanOrEqual(2_000);
      expect(high.kind === "retry" && high.delayMs).toBeLessThan(2_000 + policy.baseDelayMs);
    }
    expect(decide(status(429, "Sun, 01 Mar 2026 12:00:04 GMT"), { random: 0 })).toMatchObject({ kind: "retry", delayMs: 4_000 });
  });

  it("honours a Retry-After longer than the backoff cap, and gives up on one beyond maxRetryAfterMs", () => {
    expect(decide(status(429, "20"), { random: 0 })).toMatchObject({ kind: "retry", delayMs: 20_000 });
    expect(decide(status(429, "31"))).toMatchObject({ kind: "stop", reason: expect.stringContaining("Retry-After") });
  });

  it("backs off with full jitter when there is no Retry-After", () => {
    for (let attempt = 1; attempt <= 6; attempt++) {
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      expect(backoffDelayMs(policy, attempt, 0)).toBe(0);
      expect(backoffDelayMs(policy, attempt, 0.999_999)).toBe(ceiling - 1);
      expect(backoffDelayMs(policy, attempt, 0.5)).toBe(Math.floor(ceiling / 2));
    }
    expect(decide(status(503), { attempt: 2, random: 0.5 })).toMatchObject({ kind: "retry", delayMs: 200 });
  });

  it("stops after maxAttempts attempts in all", () => {
    expect(decide(status(503), { attempt: 3 }).kind).toBe("retry");
    expect(decide(status(503), { attempt: 4 })).toMatchObject({ kind: "stop", reason: expect.stringContaining("4 attempts") });
    expect(decide({ kind: "network" }, { attempt: 4, idempotent: true }).kind).toBe("stop");
    const once = decideRetry({ policy: { ...policy, maxAttempts: 1 }, attempt: 1, outcome: status(429, "1"), idempotent: true, now: NOW, random: 0 });
    expect(once.kind).toBe("stop");
  });

  it("repeats a request without an answer (or after a proxy's 502/504) only when that is harmless", () => {
    for (const outcome of [{ kind: "network" } as const, { kind: "timeout" } as const, status(502), status(504)]) {
      expect(decide(outcome, { idempotent: false })).toMatchObject({ kind: "stop", reason: expect.stringContaining("not safe") });
      expect(decide(outcome, { idempotent: true }).kind).toBe("retry");
    }
  });

  it("never retries success or the client's own mistakes", () => {
    for (const s of [200, 202, 204, 400, 401, 403, 404, 409, 413, 422, 500]) {
      expect(decide(status(s, "1"), { idempotent: true }).kind).toBe("stop");
    }
  });

  it("defaults to 4 attempts from 200 ms, capped at 10 s", () => {
    expect(DEFAULT_RETRY_POLICY).toMatchObject({ maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 10_000 });
  });
});

describe("which requests are safe to repeat", () => {
  it("by method", () => {
    for (const m of ["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "get"]) expect(isIdempotent(m, false)).toBe(true);
    for (const m of ["POST", "PATCH"]) expect(isIdempotent(m, false, '{"url":"https://x"}')).toBe(false);
  });
  it("POST and PATCH when keyed, by the SDK or in the body", () => {
    expect(isIdempotent("POST", true)).toBe(true);
    expect(isIdempotent("POST", false, '{"type":"a.b","data":{},"idempotencyKey":"k1"}')).toBe(true);
    expect(isIdempotent("POST", false, '{"events":[{"type":"a.b","data":{}}],"idempotencyKey":"batch"}')).toBe(true);
    expect(isIdempotent("POST", false, '{"events":[{"type":"a.b","data":{},"idempotencyKey":"1"},{"type":"a.b","data":{},"idempotencyKey":"2"}]}')).toBe(true);
    expect(isIdempotent("POST", false, '{"events":[{"type":"a.b","data":{},"idempotencyKey":"1"},{"type":"a.b","data":{}}]}')).toBe(false);
    expect(isIdempotent("POST", false, '{"idempotencyKey":""}')).toBe(false);
    expect(isIdempotent("POST", false, "not json")).toBe(false);
    expect(isIdempotent("POST", false, null)).toBe(false);
  });
});
