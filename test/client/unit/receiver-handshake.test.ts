import { judgeChallengeEcho, metaHubChallengeRequestUrl, newChallenge } from "../../../src/dialects/handshake";
import { judgeSlackChallenge, newSlackChallenge, slackSignatureHeaders, slackUrlVerificationBody } from "../../../src/dialects/slack";
import { judgeWappcloudChallenge, newWappcloudChallenge, wappcloudChallengeUrl } from "../../../src/dialects/wappcloud";
import type { HttpOutcome } from "../../../src/lib/outbound-http";
import { answerHandshake, type HandshakeAnswer, type HandshakeOptions } from "../../../packages/client/src/receiver";

/** Challenges are built with hookrelay's own request builders, and the answers judged by its own judges. */
const REGISTERED = "https://receiver.example/hooks?tenant=42";
const TOKEN = "factory-verify-token-0001";
const NOW = new Date("2026-06-01T12:00:00Z");

const asOutcome = (a: HandshakeAnswer): HttpOutcome => {
  if (!a.handled) throw new Error("the request was not answered as a handshake");
  return { kind: "response", status: a.status, headers: a.headers, body: a.body, bodyTruncated: false, elapsedMs: 1 };
};
const pathOf = (url: string) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};

describe("answerHandshake for meta's GET hub.challenge", () => {
  const meta = (url: string, opts: Partial<HandshakeOptions> = {}) => answerHandshake({ method: "GET", url, headers: {} }, { dialect: "meta", verifyToken: TOKEN, ...opts });

  it("echoes the challenge when the token matches, which hookrelay's judge accepts", () => {
    const challenge = newChallenge();
    const answer = meta(pathOf(metaHubChallengeRequestUrl(REGISTERED, TOKEN, challenge)));
    expect(answer).toEqual({ handled: true, status: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: challenge });
    expect(judgeChallengeEcho(challenge, asOutcome(answer))).toMatchObject({ verified: true });
  });

  it("answers 403 to another token, which hookrelay reports as the endpoint refusing", () => {
    const challenge = newChallenge();
    const answer = meta(metaHubChallengeRequestUrl(REGISTERED, "someone-elses-token", challenge));
    expect(answer).toMatchObject({ handled: true, status: 403 });
    expect(JSON.parse((answer as { body: string }).body)).toEqual({ error: { code: "verify_token_mismatch", message: expect.any(String) } });
    expect(judgeChallengeEcho(challenge, asOutcome(answer))).toMatchObject({ verified: false, reason: "http_status" });
  });

  it("takes the secret as the token, and several during a rotation", () => {
    const challenge = newChallenge();
    const url = metaHubChallengeRequestUrl(REGISTERED, TOKEN, challenge);
    expect(answerHandshake({ method: "GET", url, headers: {} }, { dialect: "meta", secret: TOKEN })).toMatchObject({ status: 200, body: challenge });
    expect(meta(url, { verifyToken: ["the-new-token-000000", TOKEN] })).toMatchObject({ status: 200, body: challenge });
    expect(meta(url, { verifyToken: ["the-new-token-000000"] })).toMatchObject({ status: 403 });
  });

  it("leaves deliveries and other GETs alone, and refuses a hub request that is not a subscribe", () => {
    expect(answerHandshake({ method: "POST", url: "/hooks?hub.mode=subscribe", headers: {}, rawBody: "{}" }, { dialect: "meta", verifyToken: TOKEN })).toEqual({ handled: false });
    expect(meta("/hooks?tenant=42")).toEqual({ handled: false });
    expect(meta(`/hooks?hub.mode=unsubscribe&hub.verify_token=${TOKEN}&hub.challenge=1`)).toMatchObject({ handled: true, status: 400 });
  });

  it("throws a TypeError when given no token to compare with", () => {
    expect(() => answerHandshake({ method: "GET", url: "/h?hub.mode=subscribe", headers: {} }, { dialect: "meta" })).toThrow(TypeError);
  });
});

describe("answerHandshake for wappcloud's GET ?challenge=", () => {
  it("answers JSON {challenge}, which hookrelay's judge accepts; no secret is involved", () => {
    const challenge = newWappcloudChallenge();
    const answer = answerHandshake({ method: "GET", url: wappcloudChallengeUrl(REGISTERED, challenge), headers: {} }, { dialect: "wappcloud" });
    expect(answer).toMatchObject({ handled: true, status: 200, headers: { "content-type": "application/json; charset=utf-8" } });
    expect(judgeWappcloudChallenge(challenge, asOutcome(answer))).toMatchObject({ verified: true });
  });

  it("leaves POSTs and GETs without a challenge alone", () => {
    expect(answerHandshake({ method: "GET", url: "/hooks", headers: {} }, { dialect: "wappcloud" })).toEqual({ handled: false });
    expect(answerHandshake({ method: "POST", url: "/hooks?challenge=1", headers: {}, rawBody: "{}" }, { dialect: "wappcloud" })).toEqual({ handled: false });
  });
});

describe("answerHandshake for slack's url_verification", () => {
  const request = (secret: string, at = NOW, challenge = newSlackChallenge()) => {
    const body = slackUrlVerificationBody(challenge);
    return { challenge, req: { method: "POST", url: "/slack/events", headers: { "content-type": "application/json", ...slackSignatureHeaders(body, secret, at) }, rawBody: body } };
  };

  it("answers the challenge once the request's signature checks out, which hookrelay's judge accepts", () => {
    const { challenge, req } = request(TOKEN);
    const answer = answerHandshake(req, { dialect: "slack", secret: TOKEN, now: NOW });
    expect(answer).toMatchObject({ handled: true, status: 200 });
    expect(judgeSlackChallenge(challenge, asOutcome(answer))).toMatchObject({ verified: true });
  });

  it("refuses with 401 a url_verification signed with another secret, or stale", () => {
    const wrong = answerHandshake(request("another-signing-secret").req, { dialect: "slack", secret: TOKEN, now: NOW });
    expect(wrong).toMatchObject({ handled: true, status: 401 });
    expect(JSON.parse((wrong as { body: string }).body).error.code).toBe("bad_signature");
    const stale = answerHandshake(request(TOKEN, new Date(NOW.getTime() - 600_000)).req, { dialect: "slack", secret: TOKEN, now: NOW });
    expect(JSON.parse((stale as { body: string }).body).error.code).toBe("stale_timestamp");
  });

  it("leaves event_callback deliveries, non-JSON bodies and GETs alone", () => {
    const body = '{"type":"event_callback","event_id":"evt_1","event":{"type":"message"}}';
    const headers = slackSignatureHeaders(body, TOKEN, NOW);
    expect(answerHandshake({ method: "POST", headers, rawBody: body }, { dialect: "slack", secret: TOKEN, now: NOW })).toEqual({ handled: false });
    expect(answerHandshake({ method: "POST", headers, rawBody: "token=x" }, { dialect: "slack", secret: TOKEN })).toEqual({ handled: false });
    expect(answerHandshake({ method: "GET", url: "/", headers: {} }, { dialect: "slack", secret: TOKEN })).toEqual({ handled: false });
  });
});

describe("answerHandshake for the other dialects", () => {
  const challengeUrl = metaHubChallengeRequestUrl(REGISTERED, TOKEN, "123");

  it.each(["oneroute", "oblic", "telegram", "standard-webhooks"] as const)("%s has no handshake: nothing is answered", (dialect) => {
    expect(answerHandshake({ method: "GET", url: challengeUrl, headers: {} }, { dialect, secret: TOKEN })).toEqual({ handled: false });
    expect(answerHandshake({ method: "GET", url: "/h?challenge=1", headers: {} }, { dialect, secret: TOKEN })).toEqual({ handled: false });
  });

  it("custom answers the handshake its options name", () => {
    const custom = (handshake: "meta" | "wappcloud" | "slack" | "none") => ({ dialect: "custom" as const, secret: TOKEN, now: NOW, dialectOptions: { signatureHeader: "x-sig", handshake } });
    expect(answerHandshake({ method: "GET", url: challengeUrl, headers: {} }, custom("meta"))).toMatchObject({ status: 200, body: "123" });
    expect(answerHandshake({ method: "GET", url: challengeUrl, headers: {} }, custom("none"))).toEqual({ handled: false });
    expect(answerHandshake({ method: "GET", url: "/h?challenge=abc", headers: {} }, custom("wappcloud"))).toMatchObject({ status: 200, body: '{"challenge":"abc"}' });
    const body = slackUrlVerificationBody("c1");
    expect(answerHandshake({ method: "POST", headers: slackSignatureHeaders(body, TOKEN, NOW), rawBody: body }, custom("slack"))).toMatchObject({ status: 200, body: '{"challenge":"c1"}' });
    expect(answerHandshake({ method: "GET", url: challengeUrl, headers: {} }, { dialect: "custom", secret: TOKEN })).toEqual({ handled: false });
  });
});
