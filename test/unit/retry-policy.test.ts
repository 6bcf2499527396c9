import type { HttpOutcome } from "../../src/lib/outbound-http";
import { describeFailure, isSuccess, judgeAttempt, parseRetryAfter, withJitter, type RetryPolicy } from "../../src/delivery/retry-policy";

const policy: RetryPolicy = { scheduleMs: [0, 5_000, 30_000], jitter: 0.2, retryAfterMaxMs: 3_600_000 };
const now = new Date("2026-11-23T12:00:00Z");
const response = (status: number, headers: Record<string, string> = {}): HttpOutcome => ({
  kind: "response",
  status,
  headers,
  body: "",
  bodyTruncated: false,
  elapsedMs: 12,
});
const timeout: HttpOutcome = { kind: "timeout", timeoutMs: 5_000, elapsedMs: 5_001 };
const refused: HttpOutcome = { kind: "network", errorClass: "ECONNREFUSED", message: "connect ECONNREFUSED 127.0.0.1:9", elapsedMs: 2 };

describe("judgeAttempt", () => {
  it.each([200, 201, 204, 299])("calls %i delivered", (status) => {
    expect(judgeAttempt(response(status), 1, policy, now, 0.5)).toEqual({ kind: "delivered" });
  });

  it.each([100, 301, 302, 304, 400, 401, 404, 500, 502])("retries %i as a failure", (status) => {
    expect(judgeAttempt(response(status), 1, policy, now, 0.5)).toEqual({ kind: "retry", delayMs: 5_000, reason: `HTTP ${status}` });
  });

  it("retries timeouts and network errors on the schedule", () => {
    expect(judgeAttempt(timeout, 2, policy, now, 0.5)).toEqual({ kind: "retry", delayMs: 30_000, reason: "timed out after 5000 ms" });
    expect(judgeAttempt(refused, 1, policy, now, 0.5)).toMatchObject({ kind: "retry", reason: "ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9" });
  });

  it("gives up after the last attempt of the schedule", () => {
    expect(judgeAttempt(response(500), 3, policy, now, 0.5)).toEqual({ kind: "give_up", reason: "HTTP 500; no attempts left (3 made)" });
  });

  it("stops at once on 410 Gone, whatever is left of the schedule", () => {
    expect(judgeAttempt(response(410), 1, policy, now, 0.5)).toEqual({ kind: "gone", reason: "HTTP 410" });
  });

  it("applies jitter within ±jitter of the scheduled delay", () => {
    expect((judgeAttempt(response(500), 1, policy, now, 0) as { delayMs: number }).delayMs).toBe(4_000);
    expect((judgeAttempt(response(500), 1, policy, now, 0.999999) as { delayMs: number }).delayMs).toBe(6_000);
  });

  it.each([429, 503])("honours Retry-After in seconds on %i", (status) => {
    expect(judgeAttempt(response(status, { "retry-after": "120" }), 1, policy, now, 0.5)).toMatchObject({ kind: "retry", delayMs: 120_000 });
  });

  it("honours Retry-After as an HTTP date", () => {
    const at = new Date(now.getTime() + 90_000).toUTCString();
    expect(judgeAttempt(response(429, { "retry-after": at }), 1, policy, now, 0.5)).toMatchObject({ delayMs: 90_000 });
  });

  it("caps a Retry-After beyond the configured maximum", () => {
    expect(judgeAttempt(response(429, { "retry-after": "999999" }), 1, policy, now, 0.5)).toMatchObject({ delayMs: 3_600_000 });
  });

  it("ignores Retry-After on other statuses and when unreadable", () => {
    expect(judgeAttempt(response(500, { "retry-after": "120" }), 1, policy, now, 0.5)).toMatchObject({ delayMs: 5_000 });
    expect(judgeAttempt(response(429, { "retry-after": "soon" }), 1, policy, now, 0.5)).toMatchObject({ delayMs: 5_000 });
  });

  it("does not retry past the schedule even when Retry-After asks for it", () => {
    expect(judgeAttempt(response(429, { "retry-after": "1" }), 3, policy, now, 0.5).kind).toBe("give_up");
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds, dates in the past as zero, and nothing else", () => {
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter(" 5 ", now)).toBe(5_000);
    expect(parseRetryAfter(new Date(now.getTime() - 10_000).toUTCString(), now)).toBe(0);
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter("-5", now)).toBeNull();
    expect(parseRetryAfter("", now)).toBeNull();
  });
});

describe("withJitter", () => {
  it("never goes negative and leaves a zero delay at zero", () => {
    expect(withJitter(0, 0.5, 0)).toBe(0);
    expect(withJitter(1_000, 0.9, 0)).toBe(100);
  });
});

describe("isSuccess and describeFailure", () => {
  it("agree on what a failure is and name it", () => {
    expect(isSuccess(response(204))).toBe(true);
    expect(isSuccess(timeout)).toBe(false);
    expect(describeFailure(response(418))).toBe("HTTP 418");
    expect(describeFailure(timeout)).toBe("timed out after 5000 ms");
  });
});
