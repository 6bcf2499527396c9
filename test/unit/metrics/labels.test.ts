import { judgeAttempt, type RetryPolicy } from "../../../src/delivery/retry-policy";
import type { HttpOutcome } from "../../../src/lib/outbound-http";
import { attemptOutcomeLabel, giveUpReasonFor, rateLimitLabel, routeMatcher, secondsBetween } from "../../../src/metrics/labels";

const response = (status: number): HttpOutcome => ({ kind: "response", status, headers: {}, body: "", bodyTruncated: false, elapsedMs: 3 });
const timeout: HttpOutcome = { kind: "timeout", timeoutMs: 5_000, elapsedMs: 5_001 };
const network: HttpOutcome = { kind: "network", errorClass: "ECONNREFUSED", message: "connect ECONNREFUSED", elapsedMs: 1 };
const refused: HttpOutcome = { kind: "refused", errorClass: "EGRESS_REFUSED", reason: "private", host: "internal", address: "10.0.0.1", message: "refused", elapsedMs: 0 } as HttpOutcome;
const policy: RetryPolicy = { scheduleMs: [0, 1_000], jitter: 0, retryAfterMaxMs: 60_000 };
const now = new Date("2026-12-01T12:00:00Z");

describe("attemptOutcomeLabel", () => {
  it.each([
    [200, "success"],
    [204, "success"],
    [299, "success"],
    [100, "http_other"],
    [301, "http_other"],
    [304, "http_other"],
    [400, "http_4xx"],
    [410, "http_4xx"],
    [429, "http_4xx"],
    [499, "http_4xx"],
    [500, "http_5xx"],
    [503, "http_5xx"],
    [599, "http_5xx"],
    [600, "http_other"],
    [999, "http_other"],
  ] as const)("labels HTTP %i as %s", (status, label) => {
    expect(attemptOutcomeLabel(response(status))).toBe(label);
  });

  it("tells timeouts, network failures and egress refusals apart", () => {
    expect([timeout, network, refused].map(attemptOutcomeLabel)).toEqual(["timeout", "network", "refused"]);
  });

  it("calls success exactly what the retry policy delivers", () => {
    for (let status = 100; status < 700; status++) {
      expect(attemptOutcomeLabel(response(status)) === "success").toBe(judgeAttempt(response(status), 1, policy, now, 0).kind === "delivered");
    }
  });
});

describe("giveUpReasonFor", () => {
  const verdict = (o: HttpOutcome, chainAttempt: number) => judgeAttempt(o, chainAttempt, policy, now, 0);

  it("is null while the delivery goes on, or once it delivered", () => {
    expect(giveUpReasonFor(verdict(response(200), 1), response(200))).toBeNull();
    expect(giveUpReasonFor(verdict(response(500), 1), response(500))).toBeNull();
    expect(giveUpReasonFor(verdict(timeout, 1), timeout)).toBeNull();
  });

  it("names a 410 gone, an egress refusal not retried, and the end of the schedule exhausted", () => {
    expect(giveUpReasonFor(verdict(response(410), 1), response(410))).toBe("gone");
    expect(giveUpReasonFor(verdict(refused, 1), refused)).toBe("not_retried");
    expect(giveUpReasonFor(verdict(response(500), 2), response(500))).toBe("retries_exhausted");
    expect(giveUpReasonFor(verdict(network, 2), network)).toBe("retries_exhausted");
    expect(giveUpReasonFor(verdict(timeout, 2), timeout)).toBe("retries_exhausted");
  });
});

describe("routeMatcher", () => {
  const match = routeMatcher(["/v1/webhooks", "/v1/webhooks/:id", "/v1/webhooks/:id/test", "/openapi.json", "/v1/webhooks"]);

  it("answers the declared template of a path, with or without a trailing slash", () => {
    expect(match("/v1/webhooks")).toBe("/v1/webhooks");
    expect(match("/v1/webhooks/")).toBe("/v1/webhooks");
    expect(match("/v1/webhooks/wh_01JB8Z0000000000000000000")).toBe("/v1/webhooks/:id");
    expect(match("/v1/webhooks/wh_1/test")).toBe("/v1/webhooks/:id/test");
    expect(match("/openapi.json")).toBe("/openapi.json");
  });

  it("answers unmatched for anything else: a template's dots are not wildcards, ids never leak", () => {
    expect(match("/openapiXjson")).toBe("unmatched");
    expect(match("/v1/webhooks/a/b/c")).toBe("unmatched");
    expect(match("/wp-login.php")).toBe("unmatched");
    expect(match("/")).toBe("unmatched");
  });
});

describe("rateLimitLabel", () => {
  it("names the limit, never the key or the account", () => {
    expect(rateLimitLabel("account", "api")).toBe("api");
    expect(rateLimitLabel("account", "ingest")).toBe("ingest");
    expect(rateLimitLabel("admin", "api")).toBe("admin");
    expect(rateLimitLabel("portal", "api")).toBe("portal");
  });
});

describe("secondsBetween", () => {
  it("is in seconds and never negative", () => {
    expect(secondsBetween(new Date(1_000), new Date(3_500))).toBe(2.5);
    expect(secondsBetween(new Date(3_500), new Date(1_000))).toBe(0);
  });
});
