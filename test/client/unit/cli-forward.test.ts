import { answerFor, describeOutcome, forwardedHeaders } from "../../../packages/client/src/cli/forward";

describe("listen's relay to the local app", () => {
  it("passes hookrelay's headers on, without this hop's own, addressed to the app", () => {
    const headers = forwardedHeaders(
      {
        host: "127.0.0.1:4000",
        connection: "keep-alive",
        "transfer-encoding": "chunked",
        "content-type": "application/json",
        "content-length": "42",
        "x-webhook-id": "dlv_1",
        "x-hub-signature-256": "sha256=ab",
        "user-agent": "hookrelay/1.0",
      },
      new URL("http://localhost:3000/hooks"),
    );
    expect(headers).toEqual({
      host: "localhost:3000",
      "content-type": "application/json",
      "content-length": "42",
      "x-webhook-id": "dlv_1",
      "x-hub-signature-256": "sha256=ab",
      "user-agent": "hookrelay/1.0",
    });
  });

  it("answers hookrelay with the app's status and body, or a gateway error when the app did not answer", () => {
    const body = Buffer.from('{"ok":true}');
    expect(answerFor({ kind: "response", status: 409, contentType: "application/json", body, elapsedMs: 3 })).toEqual({ status: 409, headers: { "content-type": "application/json" }, body });
    expect(answerFor({ kind: "unreachable", message: "ECONNREFUSED", elapsedMs: 1 })).toMatchObject({ status: 502, body: expect.stringContaining("ECONNREFUSED") });
    expect(answerFor({ kind: "timeout", timeoutMs: 65_000, elapsedMs: 65_000 })).toMatchObject({ status: 504 });
  });

  it("describes the app's answer in a few words", () => {
    expect(describeOutcome({ kind: "response", status: 200, contentType: undefined, body: Buffer.alloc(0), elapsedMs: 12 })).toBe("200 (12 ms)");
    expect(describeOutcome({ kind: "unreachable", message: "ECONNREFUSED", elapsedMs: 1 })).toBe("502 app unreachable: ECONNREFUSED (1 ms)");
  });
});
