import { isValidSlackRequest, verifySlackRequest } from "@slack/bolt";
import { maskHeaders } from "../../src/delivery/mask-headers";
import type { HandshakeDeps } from "../../src/dialects/handshake";
import {
  judgeSlackChallenge,
  newSlackChallenge,
  renderSlackEventCallback,
  slackDialect,
  slackUrlVerification,
  withLeadingField,
} from "../../src/dialects/slack";
import { renderTelegramUpdate, telegramDialect, telegramUpdateId } from "../../src/dialects/telegram";
import type { SignInput } from "../../src/dialects/types";
import type { HttpOutcome, OutboundRequest } from "../../src/lib/outbound-http";

const SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const NOW = new Date("2026-11-23T10:00:07.900Z");
const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);
const event = {
  id: "evt_01JD2Z8Q3M4N5P6R7S8T9V0W1X",
  type: "message.created",
  createdAt: new Date("2026-11-23T09:59:58.750Z"),
  data: '{"z":1,"text":"Grüße 👋","n":1.50}',
};

const slack = slackDialect({ minSecretLength: 16 });
const telegram = telegramDialect({ minSecretLength: 16 });
const signInput = (body: string, overrides: Partial<SignInput> = {}): SignInput => ({
  body,
  secrets: [SIGNING_SECRET],
  deliveryId: "dlv_1",
  eventType: event.type,
  attempt: 1,
  now: NOW,
  ...overrides,
});

/** What Slack's SDK decides about these headers and body at `nowMs`. */
function boltAccepts(headers: Record<string, string>, body: string, nowMs = NOW.getTime(), secret = SIGNING_SECRET): boolean {
  return isValidSlackRequest({
    signingSecret: secret,
    body,
    headers: {
      "x-slack-signature": headers["x-slack-signature"]!,
      "x-slack-request-timestamp": Number(headers["x-slack-request-timestamp"]),
    },
    nowMilliseconds: nowMs,
  });
}

function response(status: number, body = ""): HttpOutcome {
  return { kind: "response", status, headers: {}, body, bodyTruncated: false, elapsedMs: 9 };
}

describe("the slack dialect's body", () => {
  it("is an Events API event_callback around the data, with our event type in front", () => {
    expect(renderSlackEventCallback(event)).toBe(
      '{"token":"","team_id":"THOOKRELAY","api_app_id":"AHOOKRELAY","type":"event_callback",' +
        `"event_id":"${event.id}","event_time":${Math.floor(event.createdAt.getTime() / 1000)},` +
        '"event":{"type":"message.created","z":1,"text":"Grüße 👋","n":1.50}}',
    );
  });

  it("is the same bytes every time it is rendered for the same event", () => {
    const rendered = slack.render({ event, deliveryId: "dlv_1" });
    expect(slack.render({ event: { ...event, createdAt: new Date(event.createdAt) }, deliveryId: "dlv_2" })).toBe(rendered);
  });

  it("reads back as the event with its event_time in whole unix seconds", () => {
    const parsed = JSON.parse(renderSlackEventCallback(event));
    expect(parsed.event_time).toBe(1795427998);
    expect(parsed.event).toEqual({ type: "message.created", z: 1, text: "Grüße 👋", n: 1.5 });
  });

  it("carries empty data as an event with only its type", () => {
    expect(JSON.parse(renderSlackEventCallback({ ...event, data: "{}" })).event).toEqual({ type: "message.created" });
  });

  it("keeps a Slack-shaped event's own type, byte for byte", () => {
    const data = '{"type":"message","channel":"C1","text":"hi"}';
    expect(renderSlackEventCallback({ ...event, data }).endsWith(`"event":${data}}`)).toBe(true);
  });
});

describe("withLeadingField", () => {
  it("puts the member first and keeps every other byte", () => {
    expect(withLeadingField('{"a": 1.0}', "k", "7")).toBe('{"k":7,"a": 1.0}');
    expect(withLeadingField("{ }", "k", '"v"')).toBe('{"k":"v" }');
  });
});

describe("the slack dialect's signature", () => {
  const body = renderSlackEventCallback(event);

  it("is accepted by Slack's SDK: timestamp in unix seconds of now, v0 HMAC-SHA256 of v0:timestamp:body", () => {
    const headers = slack.sign(signInput(body));
    expect(headers["x-slack-request-timestamp"]).toBe(String(NOW_SECONDS));
    expect(headers["x-slack-signature"]).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(() =>
      verifySlackRequest({
        signingSecret: SIGNING_SECRET,
        body,
        headers: { "x-slack-signature": headers["x-slack-signature"]!, "x-slack-request-timestamp": NOW_SECONDS },
        nowMilliseconds: NOW.getTime(),
      }),
    ).not.toThrow();
  });

  it("is refused by Slack's SDK for a tampered body or another secret", () => {
    const headers = slack.sign(signInput(body));
    expect(boltAccepts(headers, body.replace("Grüße", "Grusse"))).toBe(false);
    expect(boltAccepts(headers, body, NOW.getTime(), "another-signing-secret-0000")).toBe(false);
  });

  it("goes stale for Slack's SDK after five minutes, which is why each attempt signs at its own send time", () => {
    const later = new Date(NOW.getTime() + 6 * 60_000);
    const first = slack.sign(signInput(body));
    expect(boltAccepts(first, body, later.getTime())).toBe(false);
    const retry = slack.sign(signInput(body, { now: later, attempt: 2 }));
    expect(retry["x-slack-signature"]).not.toBe(first["x-slack-signature"]);
    expect(boltAccepts(retry, body, later.getTime())).toBe(true);
  });

  it("marks retries the way Slack does, with X-Slack-Retry-Num from the second attempt on", () => {
    expect(slack.sign(signInput(body))["x-slack-retry-num"]).toBeUndefined();
    expect(slack.sign(signInput(body, { attempt: 3 }))["x-slack-retry-num"]).toBe("2");
  });

  it("signs with the first (active) secret", () => {
    const headers = slack.sign(signInput(body, { secrets: [SIGNING_SECRET, "older-secret-000000000"] }));
    expect(boltAccepts(headers, body)).toBe(true);
  });

  it("masks the signature in the attempt log, not the timestamp", () => {
    const headers = slack.sign(signInput(body));
    const masked = maskHeaders(headers, slack.secretHeaders);
    expect(masked["x-slack-signature"]).not.toBe(headers["x-slack-signature"]);
    expect(masked["x-slack-request-timestamp"]).toBe(headers["x-slack-request-timestamp"]);
  });
});

describe("the slack dialect's secret", () => {
  it("is never generated: the receiver needs the signing secret to verify the handshake", () => {
    expect(slack.secret.generate()).toBeNull();
    expect(slack.handshake).toBe("slack");
    expect(slack.multiSignature).toBe(false);
  });

  it("must be printable and at least the minimum length", () => {
    expect(slack.secret.problem(SIGNING_SECRET)).toBeNull();
    expect(slack.secret.problem("short")).toBe("must be at least 16 characters");
    expect(slack.secret.problem("with a space 12345")).toBe("must be printable ASCII without spaces");
  });
});

describe("judgeSlackChallenge", () => {
  const challenge = newSlackChallenge();

  it("makes challenges of 48 alphanumerics, fresh each time", () => {
    expect(challenge).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(newSlackChallenge()).not.toBe(challenge);
  });

  it.each([
    ["plain text", challenge],
    ["plain text with a trailing newline", `${challenge}\n`],
    ["JSON", JSON.stringify({ challenge })],
    ["a form", `challenge=${challenge}`],
  ])("verifies a 2xx answering the challenge as %s", (_form, body) => {
    expect(judgeSlackChallenge(challenge, response(200, body))).toEqual({ verified: true, elapsedMs: 9 });
  });

  it.each([
    ["another value", "not-the-challenge"],
    ["JSON with another value", JSON.stringify({ challenge: `${challenge}x` })],
    ["JSON without the challenge", '{"ok":true}'],
    ["a bare JSON string", JSON.stringify(challenge)],
    ["an empty body", ""],
  ])("refuses a 2xx answering %s as a challenge mismatch", (_what, body) => {
    const result = judgeSlackChallenge(challenge, response(200, body));
    expect(result).toMatchObject({ verified: false, reason: "challenge_mismatch", status: 200, bodySnippet: body });
  });

  it("refuses a non-2xx, such as a receiver refusing the signature", () => {
    const result = judgeSlackChallenge(challenge, response(401, "invalid signature"));
    expect(result).toMatchObject({ verified: false, reason: "http_status", status: 401 });
  });
});

describe("slackUrlVerification", () => {
  /** An endpoint that answers as told and keeps the request. */
  function fakeHttp(answer: (req: OutboundRequest) => HttpOutcome, now = new Date()): HandshakeDeps & { sent: OutboundRequest[] } {
    const sent: OutboundRequest[] = [];
    return {
      sent,
      timeoutMs: 5000,
      clock: { now: () => now },
      http: { exchange: async (req) => (sent.push(req), answer(req)), close: async () => undefined },
    };
  }

  it("POSTs a signed url_verification and verifies when its challenge comes back", async () => {
    const deps = fakeHttp((req) => response(200, JSON.parse(req.body as string).challenge));
    const result = await slackUrlVerification(deps, { url: "https://example.com/slack", secret: SIGNING_SECRET });

    expect(result.verified).toBe(true);
    const req = deps.sent[0]!;
    const body = req.body as string;
    expect(req).toMatchObject({ method: "POST", url: "https://example.com/slack" });
    expect(req.headers!["content-type"]).toBe("application/json");
    expect(Object.keys(JSON.parse(body))).toEqual(["token", "challenge", "type"]);
    expect(JSON.parse(body)).toEqual({ token: "", challenge: expect.stringMatching(/^[A-Za-z0-9]{48}$/), type: "url_verification" });
    expect(boltAccepts(req.headers!, body, Date.now())).toBe(true);
  });

  it("signs the handshake with the injected clock's time", async () => {
    const at = new Date("2026-11-23T10:00:00Z");
    const deps = fakeHttp((req) => response(200, JSON.parse(req.body as string).challenge), at);
    await slackUrlVerification(deps, { url: "https://example.com/slack", secret: SIGNING_SECRET });
    expect(deps.sent[0]!.headers!["x-slack-request-timestamp"]).toBe(String(at.getTime() / 1000));
  });

  it("fails when the endpoint answers another challenge than the one it was sent", async () => {
    const deps = fakeHttp(() => response(200, newSlackChallenge()));
    const result = await slackUrlVerification(deps, { url: "https://example.com/slack", secret: SIGNING_SECRET });
    expect(result).toMatchObject({ verified: false, reason: "challenge_mismatch" });
  });
});

describe("the telegram dialect's body", () => {
  const data = '{"message":{"message_id":7,"date":1795427998,"chat":{"id":42,"type":"private"},"text":"Grüße 👋"}}';

  it("is a Telegram Update: update_id in front of the data, the data's bytes kept", () => {
    expect(renderTelegramUpdate({ ...event, data })).toBe(`{"update_id":${telegramUpdateId(event.id)},${data.slice(1)}`);
  });

  it("has a positive 31-bit update_id fixed by the event id", () => {
    const id = telegramUpdateId(event.id);
    expect(Number.isInteger(id)).toBe(true);
    expect(id).toBeGreaterThan(0);
    expect(id).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(telegramUpdateId(event.id)).toBe(id);
    expect(telegramUpdateId("evt_01JD2Z8Q3M4N5P6R7S8T9V0W1Y")).not.toBe(id);
  });

  it("is the same bytes every time it is rendered for the same event", () => {
    expect(telegram.render({ event: { ...event, data }, deliveryId: "dlv_2" })).toBe(telegram.render({ event: { ...event, data }, deliveryId: "dlv_1" }));
  });

  it("carries empty data as an Update with only its update_id", () => {
    expect(JSON.parse(renderTelegramUpdate({ ...event, data: "{}" }))).toEqual({ update_id: telegramUpdateId(event.id) });
  });

  it("keeps an update_id the producer gave", () => {
    expect(renderTelegramUpdate({ ...event, data: '{"update_id":5,"message":{}}' })).toBe('{"update_id":5,"message":{}}');
  });
});

describe("the telegram dialect's secret token", () => {
  it("is sent as is in X-Telegram-Bot-Api-Secret-Token, the active one, and masked in the attempt log", () => {
    const secret = "a_telegram-Secret_token_0001";
    const headers = telegram.sign(signInput("{}", { secrets: [secret, "older_secret_token_0000"] }));
    expect(headers).toEqual({ "x-telegram-bot-api-secret-token": secret });
    expect(telegram.secretHeaders).toContain("x-telegram-bot-api-secret-token");
    expect(maskHeaders(headers, telegram.secretHeaders)["x-telegram-bot-api-secret-token"]).not.toContain(secret);
    expect(telegram.handshake).toBe("none");
    expect(telegram.multiSignature).toBe(false);
  });

  it("is generated in Telegram's alphabet, 256 bits strong, fresh each time", () => {
    const generated = telegram.secret.generate()!;
    expect(generated).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(telegram.secret.problem(generated)).toBeNull();
    expect(telegram.secret.generate()).not.toBe(generated);
  });

  it("is generated at least as long as the deployment's minimum and no longer than Telegram allows", () => {
    for (const min of [100, 256]) {
      const strict = telegramDialect({ minSecretLength: min });
      const generated = strict.secret.generate()!;
      expect(generated).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(generated).toHaveLength(min);
      expect(strict.secret.problem(generated)).toBeNull();
    }
  });

  it.each([
    ["too short", "abc_DEF-123", "must be at least 16 characters"],
    ["too long", "a".repeat(257), "must be at most 256 characters"],
    ["with a dot", "my.secret.token.000", "may contain only A-Z, a-z, 0-9, _ and - (Telegram's secret_token rules)"],
    ["with a non-ASCII letter", "grüße_secret_token_00", "may contain only A-Z, a-z, 0-9, _ and - (Telegram's secret_token rules)"],
  ])("refuses a customer's token %s", (_what, secret, problem) => {
    expect(telegram.secret.problem(secret)).toBe(problem);
  });

  it("accepts a customer's token of Telegram's alphabet at the limits", () => {
    expect(telegram.secret.problem("Aa0_-".repeat(4))).toBeNull();
    expect(telegram.secret.problem("z".repeat(256))).toBeNull();
  });
});
