import { judgeSignatureCheck, type ProbeResult } from "../../src/delivery/signature-check";

const answered = (statusCode: number): ProbeResult => ({ statusCode, responseTimeMs: 3, accepted: statusCode < 300, error: statusCode < 300 ? null : `${statusCode}` });
const noAnswer: ProbeResult = { statusCode: null, responseTimeMs: 5000, accepted: false, error: "timed out after 5 s" };

describe("judging the signature check", () => {
  it("says the endpoint verifies when it takes the good signature and refuses the bad one", () => {
    expect(judgeSignatureCheck(answered(200), answered(401)).verdict).toBe("verifies");
    expect(judgeSignatureCheck(answered(204), answered(403)).verdict).toBe("verifies");
  });

  it("says the endpoint is not verifying when it takes the wrong signature too", () => {
    const judged = judgeSignatureCheck(answered(200), answered(200));
    expect(judged).toEqual({ verdict: "accepts_bad_signature", message: "your endpoint accepted a request with a wrong signature: it is not verifying signatures" });
  });

  it("draws no conclusion about signatures when even the good request failed", () => {
    expect(judgeSignatureCheck(answered(500), answered(401)).verdict).toBe("rejects_good_signature");
    expect(judgeSignatureCheck(noAnswer, noAnswer)).toMatchObject({ verdict: "unreachable", message: expect.stringContaining("timed out after 5 s") });
  });
});
