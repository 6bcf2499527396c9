import { createHmac } from "node:crypto";
import { renderEnvelope } from "../../src/events/envelope";
import { oblicDialect, oblicGuide } from "../../src/dialects/oblic";
import { oneRouteDialect, oneRouteGuide } from "../../src/dialects/oneroute";
import { DIALECT_GUIDES } from "../../src/dialects/registry";
import type { Dialect, SignInput } from "../../src/dialects/types";
import { judgeWappcloudChallenge, newWappcloudChallenge, wappcloudChallengeUrl, wappcloudDialect, wappcloudGuide } from "../../src/dialects/wappcloud";
import { planCatalogImport } from "../../src/event-types/service";
import { SEED_CATALOGS } from "../../src/event-types/seed-catalogs";
import type { HttpOutcome } from "../../src/lib/outbound-http";

const ctx = { minSecretLength: 16 };
const SECRET = "seed-dialect-secret-0001";
const event = { id: "evt_01", type: "message.updated", createdAt: new Date("2026-01-15T09:30:00.000Z"), data: '{"text":"héllo 👋","n": 1.50}' };
const signInput = (body: string, secrets = [SECRET]): SignInput => ({ body, secrets, deliveryId: "dlv_01", eventType: event.type, attempt: 1, now: new Date() });
const hmac = (alg: string, body: string, key = SECRET) => createHmac(alg, key).update(Buffer.from(body, "utf8")).digest("hex");

describe.each([
  ["wappcloud", wappcloudDialect(ctx)],
  ["oneroute", oneRouteDialect(ctx)],
  ["oblic", oblicDialect(ctx)],
])("the %s dialect's secret policy", (name, dialect: Dialect) => {
  it("names itself and signs with one secret at a time", () => {
    expect(dialect.name).toBe(name);
    expect(dialect.multiSignature).toBe(false);
  });

  it("generates a fresh printable secret that its own rule accepts", () => {
    const a = dialect.secret.generate()!;
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(dialect.secret.problem(a)).toBeNull();
    expect(dialect.secret.generate()).not.toBe(a);
  });

  it("refuses customer secrets that are short, spaced or non-ASCII", () => {
    expect(dialect.secret.problem("short")).toBe("must be at least 16 characters");
    expect(dialect.secret.problem("has spaces in it, see")).toBe("must be printable ASCII without spaces");
    expect(dialect.secret.problem("ключ-ключ-ключ-ключ")).toBe("must be printable ASCII without spaces");
    expect(oblicDialect({ minSecretLength: 32 }).secret.problem("x".repeat(31))).toBe("must be at least 32 characters");
  });

  it("masks exactly the header that carries its signature", () => {
    const headers = dialect.sign(signInput("{}"));
    const signatureHeaders = Object.keys(headers).filter((h) => h.endsWith("-signature"));
    expect(dialect.secretHeaders).toEqual(signatureHeaders);
  });

  it("has a guide in the registry that names its signature header", () => {
    expect(DIALECT_GUIDES[name as keyof typeof DIALECT_GUIDES]).toContain(name);
    expect(DIALECT_GUIDES[name as keyof typeof DIALECT_GUIDES].toLowerCase()).toContain(`x-${name}-signature`);
  });
});

describe("the wappcloud dialect", () => {
  const dialect = wappcloudDialect(ctx);

  it("sends the generic envelope, byte for byte, and runs the wappcloud handshake", () => {
    expect(dialect.render({ event, deliveryId: "dlv_01" })).toBe(renderEnvelope(event));
    expect(dialect.handshake).toBe("wappcloud");
  });

  it("signs with X-Wappcloud-Event and sha256= plus the hex HMAC-SHA256 of the body", () => {
    const body = renderEnvelope(event);
    expect(dialect.sign(signInput(body))).toEqual({ "x-wappcloud-event": "message.updated", "x-wappcloud-signature": `sha256=${hmac("sha256", body)}` });
  });

  it("signs with the first secret it is given (the one signingSecrets chose)", () => {
    const body = renderEnvelope(event);
    expect(dialect.sign(signInput(body, ["old-secret-0123456789", SECRET]))["x-wappcloud-signature"]).toBe(`sha256=${hmac("sha256", body, "old-secret-0123456789")}`);
  });

  it("has a guide telling receivers to answer the challenge as JSON", () => {
    expect(wappcloudGuide).toContain('{"challenge": "<value>"}');
    expect(wappcloudGuide).toContain("X-Wappcloud-Signature");
  });
});

describe("the wappcloud challenge", () => {
  const C = "0f3a9c51d2e84b7a96c1e0d3b5a7f924";
  const response = (status: number, body: string, headers: Record<string, string> = {}): HttpOutcome => ({ kind: "response", status, headers, body, bodyTruncated: false, elapsedMs: 9 });
  const judge = (outcome: HttpOutcome) => judgeWappcloudChallenge(C, outcome);

  it("is fresh each time, 32 hex characters", () => {
    const a = newWappcloudChallenge();
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(newWappcloudChallenge()).not.toBe(a);
  });

  it("is appended to the registered query unchanged, or replaces a challenge already there", () => {
    expect(wappcloudChallengeUrl("https://example.app/webhook", C)).toBe(`https://example.app/webhook?challenge=${C}`);
    expect(wappcloudChallengeUrl("https://example.app/webhook?b=2&a=%7E1", C)).toBe(`https://example.app/webhook?b=2&a=%7E1&challenge=${C}`);
    expect(wappcloudChallengeUrl("https://example.app/webhook?challenge=old&x=1", C)).toBe(`https://example.app/webhook?challenge=${C}&x=1`);
  });

  it("verifies a 2xx whose body is JSON with exactly that challenge, as express's res.json sends it", () => {
    expect(judge(response(200, JSON.stringify({ challenge: C }), { "content-type": "application/json" }))).toEqual({ verified: true, elapsedMs: 9 });
    expect(judge(response(201, `{\n  "challenge": "${C}"\n}\n`)).verified).toBe(true);
    expect(judge(response(200, `{"ok":true,"challenge":"${C}"}`)).verified).toBe(true);
  });

  it.each([
    ["a plain-text echo", C],
    ["a quoted JSON string", JSON.stringify(C)],
    ["another value", JSON.stringify({ challenge: "abc123" })],
    ["the value with different case", JSON.stringify({ challenge: C.toUpperCase() })],
    ["the value under another key", JSON.stringify({ hub: C })],
    ["the value in an array", JSON.stringify([{ challenge: C }])],
    ["the value nested", JSON.stringify({ data: { challenge: C } })],
    ["broken JSON", `{"challenge": "${C}"`],
    ["an empty body", ""],
  ])("refuses a 200 answering %s as a challenge mismatch, saying what was expected", (_label, body) => {
    const result = judge(response(200, body));
    expect(result).toMatchObject({ verified: false, reason: "challenge_mismatch", status: 200, bodySnippet: body });
    expect(!result.verified && result.message).toContain(`not JSON {"challenge":"${C}"}`);
  });

  it("refuses a challenge echoed as a number, even when it is all digits", () => {
    expect(judgeWappcloudChallenge("123456", response(200, '{"challenge":123456}')).verified).toBe(false);
  });

  it("refuses a non-2xx even when its body carries the challenge", () => {
    const result = judge(response(403, JSON.stringify({ challenge: C })));
    expect(result).toMatchObject({ verified: false, reason: "http_status", status: 403 });
    expect(!result.verified && result.message).toContain('it must answer 2xx with JSON {"challenge"');
  });

  it("refuses redirects, timeouts and unreachable endpoints", () => {
    expect(judge(response(302, "", { location: "https://elsewhere.example/" }))).toMatchObject({ verified: false, reason: "redirect" });
    expect(judge({ kind: "timeout", timeoutMs: 5000, elapsedMs: 5001 })).toMatchObject({ verified: false, reason: "timeout" });
    expect(judge({ kind: "network", errorClass: "ECONNREFUSED", message: "refused", elapsedMs: 1 })).toMatchObject({ verified: false, reason: "unreachable" });
  });
});

describe("the oneroute dialect", () => {
  const dialect = oneRouteDialect(ctx);
  const render = (data: string, type = "newMessage") => dialect.render({ event: { ...event, type, data }, deliveryId: "dlv_01" });
  /** What the seed's receiver checks: its HMAC is over JSON.stringify(express.json()'s parse). */
  const roundTrips = (body: string) => JSON.stringify(JSON.parse(body)) === body;

  it("needs no handshake", () => {
    expect(dialect.handshake).toBe("none");
  });

  it("puts the event type in front of the data's own fields, compact", () => {
    expect(render('{"message": {"content": "Hello World!"}, "conversation": {"id": "c1"}}')).toBe(
      '{"event":"newMessage","message":{"content":"Hello World!"},"conversation":{"id":"c1"}}',
    );
  });

  it("drops the data's own event field: the type wins", () => {
    expect(render('{"a":1,"event":"spoofed","b":2}')).toBe('{"event":"newMessage","a":1,"b":2}');
  });

  it("renders the same bytes every time for one event", () => {
    const data = '{"z":1,"a":[1,2,{"y":null}],"m":"ü"}';
    expect(render(data)).toBe(render(data));
  });

  it("signs with the hex HMAC-SHA512 of the body, no prefix", () => {
    const body = render('{"text":"héllo"}');
    expect(dialect.sign(signInput(body))).toEqual({ "x-oneroute-signature": hmac("sha512", body) });
    expect(hmac("sha512", body)).toMatch(/^[0-9a-f]{128}$/);
  });

  it.each([
    ["non-ASCII text", '{"t":"naïve café 東京 👋"}', { t: "naïve café 東京 👋" }],
    ["\\u escapes of non-ASCII", '{"t":"caf\\u00e9"}', { t: "café" }],
    ["escaped forward slashes", '{"u":"https:\\/\\/a.example\\/x"}', { u: "https://a.example/x" }],
    ["raw and escaped U+2028/U+2029", '{"a":"x\u2028y","b":"x\\u2029y"}', { a: "x\u2028y", b: "x\u2029y" }],
    ["control characters", '{"c":"tab\\tnl\\nnul\\u0000bell\\u0007"}', { c: "tab\tnl\nnul\u0000bell\u0007" }],
    ["a lone surrogate", '{"s":"\\ud800x"}', { s: "\ud800x" }],
    ["duplicate keys", '{"a":1,"a":2}', { a: 2 }],
    ["1e21 and friends", '{"a":1e21,"b":1E-7,"c":1.50,"d":100e-2}', { a: 1e21, b: 1e-7, c: 1.5, d: 1 }],
    ["negative zero", '{"z":-0,"w":-0.0}', { z: 0, w: 0 }],
    ["integers beyond 2^53", '{"big":12345678901234567890}', { big: 12345678901234567000 }],
    ["integer-like keys", '{"b":1,"2":"two","1":"one"}', { 1: "one", 2: "two", b: 1 }],
    ["a __proto__ key", '{"__proto__":{"polluted":true},"x":1}', JSON.parse('{"__proto__":{"polluted":true},"x":1}')],
    ["whitespace between tokens", '{ "a" :\n[ 1 , 2 ] }', { a: [1, 2] }],
    ["an empty object", "{}", {}],
  ])("sends a body that survives the receiver's JSON.parse/JSON.stringify round trip with %s", (_label, data, fields) => {
    const body = render(data);
    expect(roundTrips(body)).toBe(true);
    expect(JSON.parse(body)).toEqual({ event: "newMessage", ...(fields as object) });
    expect(Object.getPrototypeOf(JSON.parse(body))).toBe(Object.prototype);
  });

  it("sends integer-like keys before event, because that order is the only one that round-trips", () => {
    expect(render('{"b":1,"2":"two"}')).toBe('{"2":"two","event":"newMessage","b":1}');
  });

  it("keeps a __proto__ key as data instead of turning it into the prototype", () => {
    const body = render('{"__proto__":{"polluted":true}}');
    expect(body).toBe('{"event":"newMessage","__proto__":{"polluted":true}}');
  });

  it("refuses data that is not a JSON object, which ingestion never stores", () => {
    expect(() => render("[1,2]")).toThrow("not a JSON object");
    expect(() => render("null")).toThrow("not a JSON object");
  });

  it("has a guide that tells receivers about the event field and the SHA-512 signature", () => {
    expect(oneRouteGuide).toContain('{"event": "<type>"');
    expect(oneRouteGuide).toContain("HMAC-SHA512");
  });
});

describe("the oblic dialect", () => {
  const dialect = oblicDialect(ctx);

  it("wraps the stored data bytes untouched in {id, type, payload}", () => {
    const body = dialect.render({ event, deliveryId: "dlv_01" });
    expect(body).toBe('{"id":"evt_01","type":"message.updated","payload":{"text":"héllo 👋","n": 1.50}}');
    expect(JSON.parse(body)).toEqual({ id: "evt_01", type: "message.updated", payload: { text: "héllo 👋", n: 1.5 } });
    expect(dialect.handshake).toBe("none");
  });

  it("escapes an id or type that needs it", () => {
    const body = dialect.render({ event: { ...event, type: 'a"b\u2028' }, deliveryId: "d" });
    expect(JSON.parse(body).type).toBe('a"b\u2028');
  });

  it("signs with the bare hex HMAC-SHA256 of the raw body", () => {
    const body = dialect.render({ event, deliveryId: "dlv_01" });
    expect(dialect.sign(signInput(body))).toEqual({ "x-oblic-signature": hmac("sha256", body) });
  });

  it("has a guide that tells receivers to verify the raw body", () => {
    expect(oblicGuide).toContain("x-oblic-signature");
    expect(oblicGuide).toContain("raw body");
  });
});

describe("the seed platforms' event catalogs", () => {
  it("hold the seeds' names: two Wappcloud, two OneRoute (OneRoute's spelling), fifteen Oblic", () => {
    expect(SEED_CATALOGS.wappcloud.map((t) => t.name)).toEqual(["incoming_message", "status_update"]);
    expect(SEED_CATALOGS.oneroute.map((t) => t.name)).toEqual(["newMessage", "compaignDeliveryReport"]);
    const oblic = SEED_CATALOGS.oblic.map((t) => t.name);
    expect(oblic).toHaveLength(15);
    for (const noun of ["contact", "conversation", "message", "group", "attachment"]) {
      expect(oblic).toEqual(expect.arrayContaining([`${noun}.created`, `${noun}.updated`, `${noun}.deleted`]));
    }
  });

  it("carry the seed's payloads: OneRoute's without event (the dialect adds it), Oblic's message as published", () => {
    const newMessage = SEED_CATALOGS.oneroute[0]!.sample;
    expect(newMessage).not.toHaveProperty("event");
    expect(newMessage).toMatchObject({ message: { content: "Hello World!", contentType: "TEXT" }, conversation: { status: "in-queue", Channel: { medium: "WHATSAPP" } } });
    const updated = SEED_CATALOGS.oblic.find((t) => t.name === "message.updated")!.sample;
    expect(updated).toMatchObject({ id: "SIuAFUNKdSYHZF2w", contact: { username: "KevinMcCallister" }, read_at: 705103200 });
  });

  it("plans an import that skips built-in names, keeps the account's own and creates the rest", () => {
    const plan = planCatalogImport(SEED_CATALOGS.oblic, { builtIn: new Set(["message.created"]), account: new Set(["contact.created"]) });
    expect(plan.skipped).toEqual([{ name: "message.created", reason: "built_in", message: expect.stringContaining("built-in") }]);
    expect(plan.existing).toEqual(["contact.created"]);
    expect(plan.create.map((t) => t.name)).toHaveLength(13);
    expect(plan.create.map((t) => t.name)).not.toContain("message.created");
  });
});
