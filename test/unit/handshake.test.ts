import type { HttpOutcome } from "../../src/lib/outbound-http";
import { judgeChallengeEcho, metaHubChallengeRequestUrl, newChallenge } from "../../src/dialects/handshake";

const CHALLENGE = "482913650173845";

function response(status: number, body = "", headers: Record<string, string> = {}): HttpOutcome {
  return { kind: "response", status, headers, body, bodyTruncated: false, elapsedMs: 12 };
}

function failure(outcome: HttpOutcome) {
  const result = judgeChallengeEcho(CHALLENGE, outcome);
  if (result.verified) throw new Error("expected the handshake to fail");
  return result;
}

describe("judgeChallengeEcho", () => {
  it("verifies a 2xx whose body is exactly the challenge", () => {
    expect(judgeChallengeEcho(CHALLENGE, response(200, CHALLENGE))).toEqual({ verified: true, elapsedMs: 12 });
  });

  it("verifies any 2xx status, not only 200", () => {
    expect(judgeChallengeEcho(CHALLENGE, response(204, CHALLENGE)).verified).toBe(true);
    expect(judgeChallengeEcho(CHALLENGE, response(299, CHALLENGE)).verified).toBe(true);
  });

  it("tolerates whitespace around the echoed challenge", () => {
    expect(judgeChallengeEcho(CHALLENGE, response(200, `  \r\n${CHALLENGE}\n\t `)).verified).toBe(true);
  });

  it("refuses a 2xx whose body is the challenge plus anything else", () => {
    const result = failure(response(200, `${CHALLENGE}0`));
    expect(result).toMatchObject({ reason: "challenge_mismatch", status: 200, bodySnippet: `${CHALLENGE}0`, elapsedMs: 12 });
    expect(result.message).toBe(
      `the endpoint answered 200 with body "${CHALLENGE}0", not the hub.challenge value "${CHALLENGE}"`,
    );
  });

  it("refuses a 2xx with an empty body as a challenge mismatch", () => {
    expect(failure(response(200, "")).reason).toBe("challenge_mismatch");
  });

  it("reports a timeout with the limit that was exceeded", () => {
    const result = failure({ kind: "timeout", timeoutMs: 5000, elapsedMs: 5003 });
    expect(result).toEqual({
      verified: false,
      reason: "timeout",
      message: "the endpoint did not answer within 5000 ms",
      elapsedMs: 5003,
    });
  });

  it("reports a network failure as unreachable, naming the error class", () => {
    const result = failure({ kind: "network", errorClass: "ECONNREFUSED", message: "connect refused", elapsedMs: 3 });
    expect(result).toEqual({
      verified: false,
      reason: "unreachable",
      message: "could not reach the endpoint: ECONNREFUSED (connect refused)",
      error: "ECONNREFUSED",
      elapsedMs: 3,
    });
  });

  it("refuses a redirect and says where it pointed", () => {
    const result = failure(response(301, "", { location: "https://example.com/final" }));
    expect(result).toMatchObject({ reason: "redirect", status: 301 });
    expect(result.message).toBe(
      "the endpoint answered 301 redirecting to https://example.com/final; redirects are not followed, register the final URL",
    );
  });

  it("refuses a redirect without a location header, saying only the status", () => {
    const result = failure(response(307));
    expect(result.reason).toBe("redirect");
    expect(result.message).toBe("the endpoint answered 307; redirects are not followed, register the final URL");
  });

  it("refuses a redirect even when its body happens to be the challenge", () => {
    expect(failure(response(302, CHALLENGE)).reason).toBe("redirect");
  });

  it("refuses a non-2xx status and quotes the body", () => {
    const result = failure(response(403, "forbidden"));
    expect(result).toMatchObject({ reason: "http_status", status: 403, bodySnippet: "forbidden" });
    expect(result.message).toBe(
      'the endpoint answered 403 with body "forbidden"; it must answer 2xx with the hub.challenge value',
    );
  });

  it("refuses a non-2xx status without a body without mentioning one", () => {
    const result = failure(response(500));
    expect(result.message).toBe("the endpoint answered 500; it must answer 2xx with the hub.challenge value");
  });

  it("refuses a non-2xx status even when the body is the challenge", () => {
    expect(failure(response(404, CHALLENGE)).reason).toBe("http_status");
  });

  it.each([100, 101, 199, 400, 418, 503, 599])("treats status %i as an http_status failure", (status) => {
    expect(failure(response(status, "x")).reason).toBe("http_status");
  });

  it.each([300, 399])("treats status %i at the edge of 3xx as a redirect", (status) => {
    expect(failure(response(status)).reason).toBe("redirect");
  });

  it("snips bodies longer than 200 characters to 200 characters and an ellipsis", () => {
    const body = "a".repeat(200) + "Z".repeat(50);
    const result = failure(response(500, body));
    expect(result.bodySnippet).toBe(`${"a".repeat(200)}…`);
    expect(result.message).not.toContain("Z");
  });

  it("keeps a body of exactly 200 characters whole", () => {
    const body = "c".repeat(200);
    expect(failure(response(200, body)).bodySnippet).toBe(body);
  });
});

describe("newChallenge", () => {
  it("is 15 decimal digits with a non-zero first digit", () => {
    for (let i = 0; i < 200; i++) expect(newChallenge()).toMatch(/^[1-9][0-9]{14}$/);
  });

  it("survives a round trip through a JavaScript number", () => {
    for (let i = 0; i < 200; i++) {
      const challenge = newChallenge();
      expect(String(Number(challenge))).toBe(challenge);
    }
  });

  it("differs between calls", () => {
    const seen = new Set(Array.from({ length: 50 }, () => newChallenge()));
    expect(seen.size).toBe(50);
  });
});

describe("metaHubChallengeRequestUrl", () => {
  it("adds hub.mode, hub.verify_token and hub.challenge", () => {
    const url = new URL(metaHubChallengeRequestUrl("https://example.com/hook", "tok", CHALLENGE));
    expect(url.origin + url.pathname).toBe("https://example.com/hook");
    expect(url.searchParams.get("hub.mode")).toBe("subscribe");
    expect(url.searchParams.get("hub.verify_token")).toBe("tok");
    expect(url.searchParams.get("hub.challenge")).toBe(CHALLENGE);
  });

  it("keeps the query parameters the URL already had", () => {
    const url = new URL(metaHubChallengeRequestUrl("https://example.com/hook?tenant=42&x=1&x=2", "tok", CHALLENGE));
    expect(url.searchParams.get("tenant")).toBe("42");
    expect(url.searchParams.getAll("x")).toEqual(["1", "2"]);
  });

  it("URL-encodes a token with reserved characters so it arrives intact", () => {
    const token = "a&b=c+d#e%f?g/h";
    const raw = metaHubChallengeRequestUrl("https://example.com/hook", token, CHALLENGE);
    expect(raw).not.toContain("a&b");
    expect(raw).not.toContain("#");
    expect(new URL(raw).searchParams.get("hub.verify_token")).toBe(token);
    expect(new URL(raw).searchParams.get("hub.challenge")).toBe(CHALLENGE);
  });

  it("overwrites a hub.challenge the registered URL already carried", () => {
    const url = new URL(metaHubChallengeRequestUrl("https://example.com/hook?hub.challenge=999&hub.mode=x", "tok", CHALLENGE));
    expect(url.searchParams.getAll("hub.challenge")).toEqual([CHALLENGE]);
    expect(url.searchParams.getAll("hub.mode")).toEqual(["subscribe"]);
  });
});
