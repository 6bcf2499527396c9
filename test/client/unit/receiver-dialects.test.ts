import { randomBytes } from "node:crypto";
import { dialectFor } from "../../../src/dialects/registry";
import { verify, verifyOrThrow, WebhookVerificationError, type CustomDialectOptions, type DialectName, type VerifyResult } from "../../../packages/client/src/receiver";

/**
 * Every dialect's deliveries are signed here by hookrelay's own signer (src/dialects), exactly as
 * the delivery worker signs them, and checked by the receiver helper.
 */
interface Case {
  name: string;
  dialect: DialectName;
  dialectOptions?: CustomDialectOptions;
  secret: () => string;
  /** The header carrying the signature (or the token). */
  signatureHeader: string;
  /** Where the dialect signs a timestamp, its header. */
  timestampHeader?: string;
  /** Header values that must read as malformed, not as a bad signature and never as a throw. */
  malformed: Record<string, string>[];
  /** True where the credential covers the body (all but telegram). */
  coversBody: boolean;
}

const printable = () => randomBytes(24).toString("base64url");
const whsec = () => `whsec_${randomBytes(32).toString("base64")}`;

const CASES: Case[] = [
  {
    name: "meta",
    dialect: "meta",
    secret: printable,
    signatureHeader: "x-hub-signature-256",
    malformed: [{ "x-hub-signature-256": "sha1=abcdef" }, { "x-hub-signature-256": "sha256=not-hex" }, { "x-hub-signature-256": "sha256=abc" }],
    coversBody: true,
  },
  {
    name: "wappcloud",
    dialect: "wappcloud",
    secret: printable,
    signatureHeader: "x-wappcloud-signature",
    malformed: [{ "x-wappcloud-signature": "deadbeef" }, { "x-wappcloud-signature": "sha256=xyz" }],
    coversBody: true,
  },
  {
    name: "oneroute",
    dialect: "oneroute",
    secret: printable,
    signatureHeader: "x-oneroute-signature",
    malformed: [{ "x-oneroute-signature": "sha512=abcd" }, { "x-oneroute-signature": "g".repeat(128) }],
    coversBody: true,
  },
  {
    name: "oblic",
    dialect: "oblic",
    secret: printable,
    signatureHeader: "x-oblic-signature",
    malformed: [{ "x-oblic-signature": "sha256=abcd" }, { "x-oblic-signature": "0" }],
    coversBody: true,
  },
  {
    name: "slack",
    dialect: "slack",
    secret: printable,
    signatureHeader: "x-slack-signature",
    timestampHeader: "x-slack-request-timestamp",
    malformed: [{ "x-slack-signature": "v1=abcd" }, { "x-slack-request-timestamp": "yesterday" }, { "x-slack-request-timestamp": "" }],
    coversBody: true,
  },
  {
    name: "telegram",
    dialect: "telegram",
    secret: printable,
    signatureHeader: "x-telegram-bot-api-secret-token",
    malformed: [],
    coversBody: false,
  },
  {
    name: "standard-webhooks",
    dialect: "standard-webhooks",
    secret: whsec,
    signatureHeader: "webhook-signature",
    timestampHeader: "webhook-timestamp",
    malformed: [{ "webhook-signature": "v2,abcd" }, { "webhook-signature": "v1,***" }, { "webhook-timestamp": "soon" }, { "webhook-id": "" }],
    coversBody: true,
  },
  {
    name: "custom (defaults: hex HMAC-SHA256 of the body)",
    dialect: "custom",
    dialectOptions: { signatureHeader: "X-Acme-Signature" },
    secret: printable,
    signatureHeader: "x-acme-signature",
    malformed: [{ "x-acme-signature": "zz" }],
    coversBody: true,
  },
  {
    name: "custom (base64 HMAC-SHA512 of timestamp.body, with a prefix)",
    dialect: "custom",
    dialectOptions: { signatureHeader: "x-sig", algorithm: "sha512", encoding: "base64", prefix: "v1=", signedContent: "timestamp.body", timestampHeader: "X-Sig-Time" },
    secret: printable,
    signatureHeader: "x-sig",
    timestampHeader: "x-sig-time",
    malformed: [{ "x-sig": "v2=abcd" }, { "x-sig": "v1=@@@@" }, { "x-sig-time": "12:00" }],
    coversBody: true,
  },
];

const NOW = new Date("2026-06-01T12:00:00.000Z");
const EVENT = {
  id: "evt_01JX0000000000000000000000",
  type: "message.created",
  createdAt: new Date("2026-06-01T11:59:58.000Z"),
  data: '{"text":"Grüße 👋","amount":10,"message":{"message_id":1,"text":"hi"}}',
};

/** A delivery as hookrelay's worker would send it: the dialect's body and signature headers. */
function delivered(c: Case, secrets: string[], at: Date = NOW) {
  const dialect = dialectFor({ dialect: c.dialect, dialectOptions: c.dialectOptions ? normalizedOptions(c.dialectOptions) : null }, 16);
  const body = dialect.render({ event: EVENT, deliveryId: "dlv_01" });
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-webhook-event": EVENT.type,
    "x-webhook-id": "dlv_01",
    "x-webhook-attempt": "2",
    ...dialect.sign({ body, secrets, deliveryId: "dlv_01", eventType: EVENT.type, attempt: 2, now: at }),
  };
  return { body, headers };
}

/** hookrelay stores header names lowercase; the receiver helper must take them as given too. */
function normalizedOptions(o: CustomDialectOptions): CustomDialectOptions {
  return { ...o, signatureHeader: o.signatureHeader.toLowerCase(), ...(o.timestampHeader ? { timestampHeader: o.timestampHeader.toLowerCase() } : {}) };
}

const check = (c: Case, req: { headers: Record<string, string>; body: string | Buffer }, secret: string | string[], now = NOW): VerifyResult =>
  verify({ headers: req.headers, rawBody: req.body }, { dialect: c.dialect, secret, now, ...(c.dialectOptions ? { dialectOptions: c.dialectOptions } : {}) });

describe.each(CASES)("verify, $name", (c) => {
  const secret = c.secret();

  it("accepts a delivery as hookrelay signs it, and parses it", () => {
    const result = check(c, delivered(c, [secret]), secret);
    expect(result).toMatchObject({ ok: true, dialect: c.dialect, deliveryId: "dlv_01", attempt: 2 });
    if (!result.ok) return;
    expect(JSON.stringify(result.event)).toContain("Grüße 👋");
    expect(result.rawBody.toString("utf8")).toBe(delivered(c, [secret]).body);
    if (c.timestampHeader) expect(result.timestamp).toBe(Math.floor(NOW.getTime() / 1000));
    else expect(result.timestamp).toBeUndefined();
  });

  it("takes the body as a Buffer, a Uint8Array or a string, and headers as a record in any case or a Headers object", () => {
    const req = delivered(c, [secret]);
    const upper = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toUpperCase(), v]));
    const bytes = Buffer.from(req.body, "utf8");
    for (const [headers, rawBody] of [
      [upper, bytes],
      [new Headers(req.headers), new Uint8Array(bytes)],
      [req.headers, req.body],
    ] as const) {
      expect(verify({ headers, rawBody }, { dialect: c.dialect, secret, now: NOW, dialectOptions: c.dialectOptions }).ok).toBe(true);
    }
  });

  it(c.coversBody ? "rejects a tampered body as bad_signature" : "cannot notice a tampered body: the secret token does not cover it", () => {
    const req = delivered(c, [secret]);
    const tampered = req.body.replace('"amount":10', '"amount":99');
    expect(tampered).not.toBe(req.body);
    const result = check(c, { ...req, body: tampered }, secret);
    if (c.coversBody) expect(result).toMatchObject({ ok: false, reason: "bad_signature" });
    else expect(result.ok).toBe(true);
  });

  it("rejects a delivery signed with another secret as bad_signature, without revealing either", () => {
    const other = c.secret();
    const result = check(c, delivered(c, [other]), secret);
    expect(result).toMatchObject({ ok: false, reason: "bad_signature" });
    expect(JSON.stringify(result)).not.toContain(secret);
    expect(JSON.stringify(result)).not.toContain(other);
  });

  it("says missing_signature when the signature header is absent", () => {
    const { [c.signatureHeader]: _gone, ...headers } = delivered(c, [secret]).headers;
    expect(check(c, { headers, body: delivered(c, [secret]).body }, secret)).toMatchObject({ ok: false, reason: "missing_signature" });
    expect(check(c, { headers: { ...headers, [c.signatureHeader]: "" }, body: "{}" }, secret)).toMatchObject({ ok: false, reason: "missing_signature" });
  });

  if (c.timestampHeader) {
    it("rejects a replay signed more than the tolerance ago (or ahead) as stale_timestamp, and honours toleranceSeconds", () => {
      const old = delivered(c, [secret], new Date(NOW.getTime() - 301_000));
      expect(check(c, old, secret)).toMatchObject({ ok: false, reason: "stale_timestamp", message: expect.stringMatching(/301 s old/) });
      const ahead = delivered(c, [secret], new Date(NOW.getTime() + 301_000));
      expect(check(c, ahead, secret)).toMatchObject({ ok: false, reason: "stale_timestamp", message: expect.stringMatching(/in the future/) });
      expect(check(c, delivered(c, [secret], new Date(NOW.getTime() - 299_000)), secret).ok).toBe(true);
      const opts = { dialect: c.dialect, secret, now: NOW, dialectOptions: c.dialectOptions };
      expect(verify({ headers: old.headers, rawBody: old.body }, { ...opts, toleranceSeconds: 600 }).ok).toBe(true);
      expect(verify({ headers: delivered(c, [secret], new Date(NOW.getTime() - 11_000)).headers, rawBody: old.body }, { ...opts, toleranceSeconds: 10 })).toMatchObject({
        ok: false,
        reason: "stale_timestamp",
      });
    });

    it("says bad_signature, not stale, when the timestamp header is moved: the signature covers it", () => {
      const req = delivered(c, [secret]);
      const moved = { ...req.headers, [c.timestampHeader!]: String(Math.floor(NOW.getTime() / 1000) - 1) };
      expect(check(c, { ...req, headers: moved }, secret)).toMatchObject({ ok: false, reason: "bad_signature" });
    });
  }

  it("during a rotation accepts a delivery when any one of the secrets given verifies it", () => {
    const [current, previous] = [c.secret(), c.secret()];
    // What the worker signs with during the grace period: both where the dialect carries several signatures, else the old one.
    const signing = c.dialect === "standard-webhooks" ? [current, previous] : [previous];
    const req = delivered(c, signing);
    expect(check(c, req, [current, previous]).ok).toBe(true);
    expect(check(c, req, [previous]).ok).toBe(true);
    expect(check(c, req, [c.secret(), c.secret()])).toMatchObject({ ok: false, reason: "bad_signature" });
    if (c.dialect === "standard-webhooks") {
      expect(req.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
      expect(check(c, req, current).ok).toBe(true);
    } else {
      expect(check(c, req, current)).toMatchObject({ ok: false, reason: "bad_signature" });
    }
  });

  if (c.malformed.length > 0) {
    it.each(c.malformed.map((h) => [JSON.stringify(h), h]))("reads %s as malformed, without throwing", (_name, override) => {
      const req = delivered(c, [secret]);
      const result = check(c, { ...req, headers: { ...req.headers, ...override } }, secret);
      // An emptied companion header (a timestamp, an id) is malformed; an emptied signature is missing.
      expect(result).toMatchObject({ ok: false, reason: "malformed", message: expect.any(String) });
    });
  }

  it("never throws on odd header values: arrays, numbers, junk", () => {
    const req = delivered(c, [secret]);
    for (const junk of [["a", "b"], 42, "\u0000", "v1, v1,", " ".repeat(10_000)]) {
      const headers = Object.fromEntries(Object.keys(req.headers).map((k) => [k, junk]));
      expect(() => verify({ headers, rawBody: req.body }, { dialect: c.dialect, secret, now: NOW, dialectOptions: c.dialectOptions })).not.toThrow();
    }
  });
});

describe("verify's results", () => {
  const secret = printable();
  const meta = CASES[0]!;

  it("give the event id and type from the signed body, the delivery id and attempt from hookrelay's headers", () => {
    expect(check(meta, delivered(meta, [secret]), secret)).toMatchObject({ ok: true, id: EVENT.id, type: EVENT.type, deliveryId: "dlv_01", attempt: 2 });
    const slack = CASES.find((c) => c.dialect === "slack")!;
    expect(check(slack, delivered(slack, [secret]), secret)).toMatchObject({ ok: true, id: EVENT.id, type: EVENT.type, timestamp: expect.any(Number) });
    const telegram = CASES.find((c) => c.dialect === "telegram")!;
    expect(check(telegram, delivered(telegram, [secret]), secret)).toMatchObject({ ok: true, id: expect.stringMatching(/^\d+$/), type: EVENT.type });
    const oneroute = CASES.find((c) => c.dialect === "oneroute")!;
    expect(check(oneroute, delivered(oneroute, [secret]), secret)).toMatchObject({ ok: true, type: EVENT.type, event: { event: EVENT.type } });
    const standard = CASES.find((c) => c.dialect === "standard-webhooks")!;
    const s = whsec();
    expect(check(standard, delivered(standard, [s]), s)).toMatchObject({ ok: true, id: "dlv_01", type: EVENT.type });
  });

  it("say invalid_body for an authentic body that is not JSON", () => {
    const headers = { "x-telegram-bot-api-secret-token": secret };
    expect(verify({ headers, rawBody: "not json" }, { dialect: "telegram", secret })).toMatchObject({ ok: false, reason: "invalid_body" });
  });

  it("verifyOrThrow returns the webhook or throws a named WebhookVerificationError carrying the reason", () => {
    const req = delivered(meta, [secret]);
    expect(verifyOrThrow({ headers: req.headers, rawBody: req.body }, { dialect: "meta", secret }).id).toBe(EVENT.id);
    let thrown: unknown;
    try {
      verifyOrThrow({ headers: req.headers, rawBody: `${req.body} ` }, { dialect: "meta", secret });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(WebhookVerificationError);
    expect(thrown).toMatchObject({ name: "WebhookVerificationError", reason: "bad_signature" });
  });

  it("throw a TypeError only for unusable options: an unknown dialect, no secret, a bad whsec_, custom without options, a parsed body", () => {
    const rawBody = "{}";
    expect(() => verify({ headers: {}, rawBody }, { dialect: "github" as DialectName, secret })).toThrow(TypeError);
    expect(() => verify({ headers: {}, rawBody }, { dialect: "meta", secret: [] })).toThrow(/secret/);
    expect(() => verify({ headers: {}, rawBody }, { dialect: "meta", secret: "" })).toThrow(/secret/);
    expect(() => verify({ headers: {}, rawBody }, { dialect: "standard-webhooks", secret: "whsec_***" })).toThrow(/whsec_/);
    expect(() => verify({ headers: {}, rawBody }, { dialect: "custom", secret })).toThrow(/dialectOptions/);
    const sha1 = { signatureHeader: "x-sig", algorithm: "sha1" } as unknown as CustomDialectOptions;
    expect(() => verify({ headers: {}, rawBody }, { dialect: "custom", secret, dialectOptions: sha1 })).toThrow(/algorithm must be one of sha256, sha512/);
    expect(() => verify({ headers: {}, rawBody: { id: 1 } as unknown as string }, { dialect: "meta", secret })).toThrow(/exact bytes/);
  });
});
