import { attemptEndAttributes, attemptStartAttributes, receiverOf } from "../../../src/tracing/attempt-span";

const target = {
  delivery: { id: "dlv_1", accountId: "acc_1", webhookId: "wh_1", isTest: false },
  event: { id: "evt_1", type: "message.created" },
  url: "https://hooks.example.com:8443/in/T000/B000/s3cret?token=abc",
  attemptNumber: 2,
};

describe("an attempt's span attributes", () => {
  it("name the receiver by host and port only: its URL's path and query may be secrets", () => {
    const attrs = attemptStartAttributes(target);
    expect(attrs).toEqual({
      "http.request.method": "POST",
      "server.address": "hooks.example.com",
      "server.port": 8443,
      "url.scheme": "https",
      "hookrelay.delivery.id": "dlv_1",
      "hookrelay.webhook.id": "wh_1",
      "hookrelay.account.id": "acc_1",
      "hookrelay.event.id": "evt_1",
      "hookrelay.event.type": "message.created",
      "hookrelay.attempt.number": 2,
    });
    expect(JSON.stringify(attrs)).not.toMatch(/s3cret|token|abc/);
  });

  it("default the port by scheme and unbracket IPv6 literals", () => {
    expect(receiverOf("http://[::1]/hook")).toEqual({ "server.address": "::1", "server.port": 80, "url.scheme": "http" });
    expect(receiverOf("https://x.example/")).toMatchObject({ "server.port": 443 });
    expect(receiverOf("not a url")).toEqual({});
  });

  it("carry the receiver's status and timing, and an error for anything but a 2xx", () => {
    const response = (status: number) => ({ kind: "response" as const, status, headers: {}, body: "", bodyTruncated: false, elapsedMs: 12 });
    expect(attemptEndAttributes({ outcome: response(204), success: true })).toEqual({
      attributes: { "http.response.status_code": 204, "hookrelay.attempt.outcome": "response", "hookrelay.attempt.elapsed_ms": 12 },
      error: null,
    });
    expect(attemptEndAttributes({ outcome: response(503), success: false })).toEqual({
      attributes: { "http.response.status_code": 503, "error.type": "503", "hookrelay.attempt.outcome": "response", "hookrelay.attempt.elapsed_ms": 12 },
      error: "HTTP 503",
    });
  });

  it("say what happened instead of an answer: timeout, network failure, refused address", () => {
    expect(attemptEndAttributes({ outcome: { kind: "timeout", timeoutMs: 5000, elapsedMs: 5001 }, success: false })).toEqual({
      attributes: { "error.type": "timeout", "hookrelay.attempt.outcome": "timeout", "hookrelay.attempt.elapsed_ms": 5001 },
      error: "timed out after 5000 ms",
    });
    expect(attemptEndAttributes({ outcome: { kind: "network", errorClass: "ECONNREFUSED", message: "connect ECONNREFUSED 10.0.0.1:443", elapsedMs: 3 }, success: false })).toEqual({
      attributes: { "error.type": "ECONNREFUSED", "hookrelay.attempt.outcome": "network", "hookrelay.attempt.elapsed_ms": 3 },
      error: "ECONNREFUSED",
    });
    const refused = { kind: "refused" as const, errorClass: "EGRESS_REFUSED" as const, reason: "private" as const, host: "intranet", address: "10.0.0.1", message: "refused", elapsedMs: 1 };
    expect(attemptEndAttributes({ outcome: refused, success: false })).toEqual({
      attributes: { "error.type": "EGRESS_REFUSED", "hookrelay.attempt.refusal": "private", "hookrelay.attempt.outcome": "refused", "hookrelay.attempt.elapsed_ms": 1 },
      error: "EGRESS_REFUSED: private",
    });
  });
});
