import { createHmac, randomBytes } from "node:crypto";
import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import { customDialect, CustomDialectOptions } from "../../src/dialects/custom";
import { checkDialectChoice } from "../../src/dialects/registry";
import { newStandardSecret, standardSecretProblem, standardWebhooksDialect } from "../../src/dialects/standard-webhooks";
import { AppError } from "../../src/lib/errors";

const whsec = (bytes: number) => `whsec_${randomBytes(bytes).toString("base64")}`;
const issuesOf = (options: unknown) => {
  const r = CustomDialectOptions.safeParse(options);
  return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
};

describe("the standard-webhooks dialect", () => {
  const dialect = standardWebhooksDialect({ minSecretLength: 16 });
  const now = new Date();
  const body = '{"id":"evt_1","type":"message.created","createdAt":"2026-01-01T00:00:00.000Z","data":{"text":"héllo 👋"}}';
  const input = { body, secrets: [whsec(32)], deliveryId: "dlv_01ABC", eventType: "message.created", attempt: 3, now };

  it("sends webhook-id (the delivery id), webhook-timestamp (unix seconds) and one v1 signature", () => {
    const headers = dialect.sign(input);
    expect(Object.keys(headers).sort()).toEqual(["webhook-id", "webhook-signature", "webhook-timestamp"]);
    expect(headers["webhook-id"]).toBe("dlv_01ABC");
    expect(headers["webhook-timestamp"]).toBe(String(Math.floor(now.getTime() / 1000)));
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it("signs <id>.<timestamp>.<body> with the decoded key, as the spec's libraries compute it", () => {
    const headers = dialect.sign(input);
    const key = Buffer.from(input.secrets[0]!.slice(6), "base64");
    const expected = createHmac("sha256", key).update(Buffer.from(`dlv_01ABC.${headers["webhook-timestamp"]}.${body}`, "utf8")).digest("base64");
    expect(headers["webhook-signature"]).toBe(`v1,${expected}`);
    expect(new StandardWebhook(input.secrets[0]!).verify(body, headers)).toMatchObject({ data: { text: "héllo 👋" } });
    expect(new SvixWebhook(input.secrets[0]!).verify(body, headers)).toMatchObject({ id: "evt_1" });
  });

  it("carries one signature per secret, each verifiable alone, active first", () => {
    const [active, previous] = [whsec(32), whsec(24)];
    const headers = dialect.sign({ ...input, secrets: [active, previous] });
    const signatures = headers["webhook-signature"]!.split(" ");
    expect(signatures).toHaveLength(2);
    expect(signatures[0]).toBe(dialect.sign({ ...input, secrets: [active] })["webhook-signature"]);
    expect(() => new StandardWebhook(active).verify(body, headers)).not.toThrow();
    expect(() => new StandardWebhook(previous).verify(body, headers)).not.toThrow();
    expect(() => new StandardWebhook(whsec(32)).verify(body, headers)).toThrow(/No matching signature/);
  });

  it("keeps the same id and signature for the same delivery and second, whatever the attempt", () => {
    expect(dialect.sign({ ...input, attempt: 7 })).toEqual(dialect.sign(input));
  });

  it("fails verification when one byte of the body changes", () => {
    const headers = dialect.sign(input);
    expect(() => new StandardWebhook(input.secrets[0]!).verify(body.replace("héllo", "hello"), headers)).toThrow(/No matching signature/);
  });

  it("has no handshake, signs with every rotating secret and masks the signature", () => {
    expect(dialect.handshake).toBe("none");
    expect(dialect.multiSignature).toBe(true);
    expect(dialect.secretHeaders).toEqual(["webhook-signature"]);
  });

  it("generates whsec_ secrets of 32 random bytes that it accepts", () => {
    const a = dialect.secret.generate()!;
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice(6), "base64")).toHaveLength(32);
    expect(dialect.secret.problem(a)).toBeNull();
    expect(newStandardSecret()).not.toBe(a);
  });

  it.each([
    ["24 bytes", whsec(24)],
    ["64 bytes", whsec(64)],
    ["the spec's example", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
  ])("accepts a customer's secret of %s", (_what, secret) => {
    expect(standardSecretProblem(secret)).toBeNull();
  });

  it.each([
    ["no whsec_ prefix", randomBytes(32).toString("base64"), /must start with "whsec_"/],
    ["23 bytes", whsec(23), /24 to 64 bytes; this one is 23/],
    ["65 bytes", whsec(65), /24 to 64 bytes; this one is 65/],
    ["base64url characters", `whsec_${"-_".repeat(16)}`, /standard base64 with padding/],
    ["missing padding", whsec(32).replace(/=+$/, ""), /standard base64 with padding/],
    ["a space inside", `whsec_${randomBytes(16).toString("base64")} ${randomBytes(16).toString("base64")}`, /standard base64/],
    ["nothing after the prefix", "whsec_", /24 to 64 bytes; this one is 0/],
  ])("refuses a customer's secret with %s", (_what, secret, message) => {
    expect(standardSecretProblem(secret)).toMatch(message);
  });
});

describe("the custom dialect's options", () => {
  it("fill in defaults and lowercase header names", () => {
    expect(CustomDialectOptions.parse({ signatureHeader: "X-Acme-Signature" })).toEqual({
      signatureHeader: "x-acme-signature",
      algorithm: "sha256",
      encoding: "hex",
      prefix: "",
      signedContent: "body",
      handshake: "none",
    });
  });

  it("name the timestamp header exactly when the timestamp is signed, defaulting it", () => {
    expect(CustomDialectOptions.parse({ signatureHeader: "x-sig", signedContent: "timestamp.body" })).toMatchObject({
      timestampHeader: "x-webhook-timestamp",
    });
    expect(CustomDialectOptions.parse({ signatureHeader: "x-sig", signedContent: "timestamp.body", timestampHeader: "X-Sig-Time" })).toMatchObject({
      timestampHeader: "x-sig-time",
    });
    expect(issuesOf({ signatureHeader: "x-sig", timestampHeader: "x-sig-time" })).toEqual([
      { path: "timestampHeader", message: 'only used with signedContent "timestamp.body"' },
    ]);
  });

  it("read back unchanged once normalized, so stored options mean the same thing", () => {
    const once = CustomDialectOptions.parse({ signatureHeader: "X-S", signedContent: "timestamp.body", algorithm: "sha512", prefix: "v1=" });
    expect(CustomDialectOptions.parse(once)).toEqual(once);
  });

  it.each([
    [{ signatureHeader: "x acme" }, "signatureHeader", /valid HTTP header name/],
    [{ signatureHeader: "x-acme:sig" }, "signatureHeader", /valid HTTP header name/],
    [{ signatureHeader: "" }, "signatureHeader", /must not be empty/],
    [{ signatureHeader: "x".repeat(65) }, "signatureHeader", /at most 64/],
    [{ signatureHeader: 42 }, "signatureHeader", /must be a header name/],
    [{ signatureHeader: "Content-Type" }, "signatureHeader", /"content-type" is set by hookrelay/],
    [{ signatureHeader: "user-agent" }, "signatureHeader", /"user-agent" is set by hookrelay/],
    [{ signatureHeader: "X-Webhook-Signature" }, "signatureHeader", /"x-webhook-\*" headers are hookrelay's own/],
    [{ signatureHeader: "x-sig", algorithm: "md5" }, "algorithm", /must be one of "sha256", "sha512"/],
    [{ signatureHeader: "x-sig", encoding: "base32" }, "encoding", /must be one of "hex", "base64"/],
    [{ signatureHeader: "x-sig", prefix: "sha256 =" }, "prefix", /printable ASCII without spaces/],
    [{ signatureHeader: "x-sig", prefix: "p".repeat(33) }, "prefix", /at most 32/],
    [{ signatureHeader: "x-sig", signedContent: "body.timestamp" }, "signedContent", /must be one of "body", "timestamp.body"/],
    [{ signatureHeader: "x-sig", handshake: "telegram" }, "handshake", /must be one of "meta", "wappcloud", "slack", "none"/],
    [{ signatureHeader: "x-sig", signedContent: "timestamp.body", timestampHeader: "X-Sig" }, "timestampHeader", /must differ from signatureHeader/],
    [{ signatureHeader: "x-sig", signedContent: "timestamp.body", timestampHeader: "x-webhook-ts" }, "timestampHeader", /hookrelay's own/],
    [{ signatureHeader: "x-sig", signedContent: "timestamp.body", timestampHeader: "host" }, "timestampHeader", /"host" is set by hookrelay/],
    [{ signatureHeader: "x-sig", secret: "nope" }, "", /unknown option: secret/],
    [undefined, "", /needs options: at least signatureHeader/],
    ["x-sig", "", /must be an object/],
  ])("refuse %j, naming %j", (options, path, message) => {
    const issues = issuesOf(options);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe(path);
    expect(issues[0]!.message).toMatch(message);
  });

  it("are reported by the registry under body.dialectOptions.<field>", () => {
    let caught: unknown;
    try {
      checkDialectChoice("custom", { signatureHeader: "x-sig", algorithm: "md5" });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).status).toBe(400);
    expect((caught as AppError).details).toEqual({
      issues: [{ field: "body.dialectOptions.algorithm", message: 'must be one of "sha256", "sha512"', code: "invalid_value" }],
    });
  });

  it("render as a named OpenAPI component with their descriptions", () => {
    const registry = new OpenAPIRegistry();
    registry.register("CustomDialectOptions", CustomDialectOptions);
    const doc = new OpenApiGeneratorV31(registry.definitions).generateDocument({ openapi: "3.1.0", info: { title: "t", version: "1" } });
    const schema = doc.components!.schemas!.CustomDialectOptions as { properties: Record<string, { description?: string }>; required: string[] };
    expect(Object.keys(schema.properties).sort()).toEqual(["algorithm", "encoding", "handshake", "prefix", "signatureHeader", "signedContent", "timestampHeader"]);
    expect(schema.required).toContain("signatureHeader");
    expect(schema.properties.signatureHeader!.description).toMatch(/signature/);
  });
});

describe("the custom dialect", () => {
  const body = '{"data":{"text":"naïve ☕"}}';
  const now = new Date("2026-03-01T12:00:00.500Z");
  const input = { body, secrets: ["custom-secret-00001", "older-secret-000001"], deliveryId: "dlv_1", eventType: "t", attempt: 1, now };
  const dialectWith = (options: unknown) => customDialect({ minSecretLength: 16, options: CustomDialectOptions.parse(options) });
  const hmac = (alg: string, key: string, text: string, enc: "hex" | "base64") => createHmac(alg, key).update(Buffer.from(text, "utf8")).digest(enc);

  it("signs the raw body with HMAC-SHA256 in hex by default, with the first secret only", () => {
    const dialect = dialectWith({ signatureHeader: "X-Acme-Signature" });
    expect(dialect.sign(input)).toEqual({ "x-acme-signature": hmac("sha256", "custom-secret-00001", body, "hex") });
    expect(dialect.multiSignature).toBe(false);
    expect(dialect.secretHeaders).toEqual(["x-acme-signature"]);
  });

  it("signs with sha512 in base64 behind a prefix", () => {
    const dialect = dialectWith({ signatureHeader: "x-sig", algorithm: "sha512", encoding: "base64", prefix: "sha512=" });
    expect(dialect.sign(input)).toEqual({ "x-sig": `sha512=${hmac("sha512", "custom-secret-00001", body, "base64")}` });
  });

  it("signs <timestamp>.<body> and sends the timestamp, in unix seconds, in its own header", () => {
    const dialect = dialectWith({ signatureHeader: "x-sig", signedContent: "timestamp.body", timestampHeader: "x-sig-ts" });
    const seconds = String(Math.floor(now.getTime() / 1000));
    expect(dialect.sign(input)).toEqual({ "x-sig": hmac("sha256", "custom-secret-00001", `${seconds}.${body}`, "hex"), "x-sig-ts": seconds });
  });

  it("renders the generic envelope", () => {
    const dialect = dialectWith({ signatureHeader: "x-sig" });
    const event = { id: "evt_1", type: "t", createdAt: new Date("2026-01-01T00:00:00.000Z"), data: '{"a":1}' };
    expect(dialect.render({ event, deliveryId: "dlv_1" })).toBe('{"id":"evt_1","type":"t","createdAt":"2026-01-01T00:00:00.000Z","data":{"a":1}}');
  });

  it.each([
    ["none", true],
    ["wappcloud", true],
    ["meta", false],
    ["slack", false],
  ])("with handshake %s, generates a secret: %s", (handshake, generates) => {
    const dialect = dialectWith({ signatureHeader: "x-sig", handshake });
    expect(dialect.handshake).toBe(handshake);
    const secret = dialect.secret.generate();
    if (generates) expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    else expect(secret).toBeNull();
  });

  it("checks a customer's secret like a verify token", () => {
    const dialect = dialectWith({ signatureHeader: "x-sig" });
    expect(dialect.secret.problem("short")).toMatch(/at least 16/);
    expect(dialect.secret.problem("with a space inside it")).toMatch(/printable/);
    expect(dialect.secret.problem("long-enough-secret-1")).toBeNull();
  });

  it("refuses to build from stored options that do not validate", () => {
    expect(() => customDialect({ minSecretLength: 16, options: { signatureHeader: "content-type" } })).toThrow(/stored custom dialect options are invalid/);
  });
});
