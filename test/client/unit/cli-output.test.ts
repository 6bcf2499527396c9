import { NetworkError, NotFoundError } from "../../../packages/client/src";
import { UsageError } from "../../../packages/client/src/cli/args";
import { apiErrorJson, describeApiError, EXIT, exitCodeOf } from "../../../packages/client/src/cli/exit";
import { keyValues, shortTime, table, truncate } from "../../../packages/client/src/cli/output";
import { attemptOutcome, tailLine, webhookDetail, webhookTable } from "../../../packages/client/src/cli/views";
import type { Attempt, Webhook } from "../../../packages/client/src";

const apiError = { status: 400, code: "validation_failed", message: "body.url: must be an absolute URL", requestId: "req-1", issues: [{ field: "body.url", message: "must be an absolute URL", code: "custom" }] };

describe("CLI output", () => {
  it("pads table columns to their widest cell, with no trailing spaces", () => {
    expect(table(["ID", "STATUS", "URL"], [["wh_1", "active", "https://a"], ["wh_22", "disabled", ""]])).toBe(
      ["ID     STATUS    URL", "wh_1   active    https://a", "wh_22  disabled"].join("\n"),
    );
  });

  it("aligns key/value blocks and leaves out what is absent", () => {
    expect(keyValues([["id", "wh_1"], ["description", undefined], ["event types", "a, b"]])).toBe("id:          wh_1\nevent types: a, b");
  });

  it("shortens times and long cells", () => {
    expect(shortTime("2026-12-01T16:24:21.123Z")).toBe("2026-12-01 16:24:21");
    expect(shortTime(null)).toBe("-");
    expect(truncate("abcdef", 4)).toBe("abc…");
    expect(truncate("abc", 4)).toBe("abc");
  });

  it("shows webhooks as a table, and says so when there are none", () => {
    const w = { id: "wh_1", status: "active", health: "healthy", dialect: "meta", eventTypes: ["a", "b"], url: "https://x/hook" } as Webhook;
    expect(webhookTable([w]).split("\n")[1]).toBe("wh_1  active  healthy  meta     a,b          https://x/hook");
    expect(webhookTable([])).toBe("no webhooks");
  });

  it("says when a webhook was deleted, and only then", () => {
    const w = { id: "wh_1", url: "https://x/hook", dialect: "meta", eventTypes: ["a"], status: "deleted", disabledReason: null, health: "disabled", verifiedAt: null, consecutiveFailures: 0, verifyTokenHint: "…abcd", createdAt: "2026-12-01T16:00:00.000Z" } as unknown as Webhook;
    expect(webhookDetail({ ...w, deletedAt: "2026-12-01T16:24:21.123Z" })).toMatch(/^deleted: +2026-12-01 16:24:21 \(its log stays readable until retention removes it\)$/m);
    expect(webhookDetail({ ...w, status: "active", deletedAt: null })).not.toMatch(/^deleted/m);
  });

  it("shows an attempt's result as its status, else its error class", () => {
    expect(attemptOutcome({ success: true, statusCode: 204, error: null })).toBe("204");
    expect(attemptOutcome({ success: false, statusCode: null, error: { class: "timeout", message: "timed out after 5 s" } })).toBe("timeout");
    const a = { id: "att_1", deliveryId: "dlv_1", eventType: "message.created", success: false, statusCode: 500, responseTimeMs: 12, attemptNumber: 2, timestamp: "2026-12-01T16:24:21.123Z", error: { class: null, message: "500 Internal Server Error" } } as Attempt;
    expect(tailLine(a, "wh_1")).toBe("16:24:21.123  wh_1  message.created         failed 500     12 ms  #2  dlv_1  att_1  500 Internal Server Error");
  });
});

describe("CLI exit codes and errors", () => {
  it("maps usage errors to 2, unreachable to 3, every other API error to 1", () => {
    expect(exitCodeOf(new UsageError("x"))).toBe(EXIT.usage);
    expect(exitCodeOf(new NetworkError("connection refused"))).toBe(EXIT.unreachable);
    expect(exitCodeOf(new NotFoundError({ status: 404, code: "not_found", message: "webhook not found" }))).toBe(EXIT.apiError);
    expect(exitCodeOf(new Error("bug"))).toBe(EXIT.apiError);
    expect(new Set(Object.values(EXIT)).size).toBe(Object.values(EXIT).length);
  });

  it("prints the code, message, each field issue and the request id", () => {
    expect(describeApiError(apiError)).toBe(
      "error: validation_failed (HTTP 400): body.url: must be an absolute URL\n  body.url: must be an absolute URL [custom]\n  request id: req-1",
    );
    expect(JSON.parse(apiErrorJson(apiError))).toEqual({ error: apiError });
  });
});
