import { toApiError, type FieldIssue } from "../../../portal/src/api/errors";
import { ar } from "../../../portal/src/i18n/ar";
import { en } from "../../../portal/src/i18n/en";
import { formattersFor } from "../../../portal/src/i18n/format";
import { pt } from "../../../portal/src/i18n/pt";
import { translator } from "../../../portal/src/i18n/translate";
import { fieldErrorText, fieldErrorTexts, readFieldError } from "../../../portal/src/ui/field-error";
import type { z } from "../../../src/lib/zod";
import { createAddressPolicy } from "../../../src/egress/address-policy";
import { validationError } from "../../../src/http/errors";
import { StartReplayBody } from "../../../src/replay/schemas";
import { webhookSchemas } from "../../../src/webhooks/schemas";

const LOCALES = { en, pt, ar } as const;
type Locale = keyof typeof LOCALES;
const i18n = (locale: Locale) => ({ t: translator(LOCALES[locale]), fmt: formattersFor(locale) });

const schemas = (allowHttpUrls = false) =>
  webhookSchemas({ allowHttpUrls, verifyTokenMinLength: 16, addressPolicy: createAddressPolicy([]) });

/** What the portal receives for a body the API refuses: validationError's 400, through JSON, read by toApiError. */
function refused(body: Record<string, unknown>, schema: z.ZodType = schemas().CreateWebhookBody) {
  const result = schema.safeParse(body);
  if (result.success) throw new Error("expected the body to be refused");
  const error = validationError("body", result.error, body);
  const wire = JSON.parse(JSON.stringify({ error: { code: error.code, message: error.message, details: error.details } }));
  return toApiError(400, wire);
}

const valid = { url: "https://example.com/hook", eventTypes: ["message.created"] };
const issue = (over: Partial<FieldIssue>): FieldIssue => ({ field: "body.x", message: "the server's English", code: "custom", ...over });

describe("the API's field errors in the portal", () => {
  test("a secret that is too short says the minimum length, in each language, with the number in the viewer's digits", () => {
    const error = refused({ ...valid, verifyToken: "too-short" });
    expect(fieldErrorTexts(error, i18n("en")).verifyToken).toEqual({ text: "Must be at least 16 characters long.", fromServer: false });
    expect(fieldErrorText(error.fieldErrors.verifyToken!, i18n("pt"))).toBe("Deve ter pelo menos 16 caracteres.");
    expect(fieldErrorText(error.fieldErrors.verifyToken!, i18n("ar"))).toBe(ar["field.minLength"].replace("{minimum}", formattersFor("ar").number(16)));
  });

  test("a secret with a space or a non-ASCII letter is said to need printable ASCII without spaces", () => {
    for (const verifyToken of ["sixteen chars ok!", "çççççççççççççççç"]) {
      const error = refused({ ...valid, verifyToken });
      expect(fieldErrorText(error.fieldErrors.verifyToken!, i18n("pt"))).toBe(pt["field.printableAscii"]);
    }
    const rotate = refused({ secret: "has spaces in it, sixteen+" }, schemas().RotateSecretBody);
    expect(fieldErrorText(rotate.fieldErrors.secret!, i18n("ar"))).toBe(ar["field.printableAscii"]);
  });

  test("each refusal of the URL check is worded from its reason", () => {
    const text = (url: string, locale: Locale = "en", allowHttp = false) =>
      fieldErrorTexts(refused({ ...valid, url }, schemas(allowHttp).CreateWebhookBody), i18n(locale)).url;
    expect(text("example.com/hook")).toEqual({ text: en["field.urlNotAbsolute"], fromServer: false });
    expect(text("http://example.com/hook")?.text).toBe(en["field.urlScheme"]);
    expect(text("ftp://example.com/hook", "en", true)?.text).toBe(en["field.urlSchemeHttp"]);
    expect(text("https://user:pw@example.com/hook")?.text).toBe(en["field.urlCredentials"]);
    expect(text("https://example.com/hook#top", "pt")?.text).toBe(pt["field.urlFragment"]);
    expect(text(`https://example.com/${"a".repeat(2100)}`)?.text).toBe("Must be at most 2,048 characters long.");
    expect(text(`https://example.com/${"a".repeat(2100)}`, "pt")?.text).toBe("Deve ter no máximo 2.048 caracteres.");
  });

  test("an internal address names the address, its kind (the words the handshake uses) and its range", () => {
    const error = refused({ ...valid, url: "https://10.20.30.40/hook" });
    expect(error.fieldErrors.url?.params).toMatchObject({ reason: "internal_address", addressKind: "private" });
    expect(fieldErrorText(error.fieldErrors.url!, i18n("en"))).toBe("Must not point at an internal network: 10.20.30.40 is a private-network address (10.0.0.0/8).");
    expect(fieldErrorText(error.fieldErrors.url!, i18n("ar"))).toContain(ar["address.private"]);
    expect(fieldErrorText(error.fieldErrors.url!, i18n("ar"))).not.toContain("internal");
    const unknownKind = issue({ code: "custom", params: { reason: "internal_address", address: "10.0.0.1", addressKind: "quantum", range: "10.0.0.0/8" } });
    expect(fieldErrorText(unknownKind, i18n("en"))).toBe(en["field.urlInternalNoKind"].replace("{address}", "10.0.0.1"));
  });

  test("no event type, too many, a bad name, a missing field and an unknown field each have their words", () => {
    const texts = (body: Record<string, unknown>, locale: Locale = "en") => fieldErrorTexts(refused(body), i18n(locale));
    expect(texts({ ...valid, eventTypes: [] }).eventTypes?.text).toBe(en["field.pickOne"]);
    expect(texts({ ...valid, eventTypes: Array.from({ length: 101 }, (_, i) => `t.${i}`) }, "pt").eventTypes?.text).toBe("Escolha no máximo 100.");
    expect(texts({ ...valid, eventTypes: ["ok.one", "not a name"] }).eventTypes?.text).toBe(en["field.eventTypeName"]);
    expect(texts({ eventTypes: ["message.created"] }, "pt").url?.text).toBe(pt["field.required"]);
    expect(texts({ ...valid, url: 42 }).url?.text).toBe(en["field.expectedString"]);
    expect(texts({ ...valid, colour: "blue" }, "ar").colour?.text).toBe(ar["field.unknown"]);
    expect(texts({ ...valid, description: "x".repeat(501) }).description?.text).toBe("Must be at most 500 characters long.");
  });

  test("a value outside a fixed set lists the allowed ones as alternatives, in the viewer's language", () => {
    const error = refused({ ...valid, dialect: "smoke-signals" });
    expect(fieldErrorText(error.fieldErrors.dialect!, i18n("en"))).toMatch(/^Must be one of meta, .+, or custom\.$/);
    expect(fieldErrorText(error.fieldErrors.dialect!, i18n("pt"))).toMatch(/^Deve ser meta, .+ ou custom\.$/);
  });

  test("a number out of range says the limit", () => {
    const error = refused({ graceSeconds: -1 }, schemas().RotateSecretBody);
    expect(fieldErrorText(error.fieldErrors.graceSeconds!, i18n("en"))).toBe("Must be at least 0.");
  });

  test("a date filter that is not a date and time says so", () => {
    expect(fieldErrorText(issue({ field: "query.from", code: "invalid_format", params: { format: "datetime" } }), i18n("pt"))).toBe(pt["field.datetime"]);
  });

  test("a replay's until before its since is said next to until, in the viewer's words", () => {
    const error = refused({ since: "2026-12-01T10:00:00.000Z", until: "2026-12-01T09:00:00.000Z" }, StartReplayBody);
    expect(Object.keys(error.fieldErrors)).toEqual(["until"]);
    expect(readFieldError(error.fieldErrors.until!, i18n("ar"))).toEqual({ text: ar["field.afterSince"], fromServer: false });
  });

  test("what the portal has no words for stays the server's English, marked as such", () => {
    const serverWords = (i: FieldIssue) => expect(readFieldError(i, i18n("ar"))).toEqual({ text: "the server's English", fromServer: true });
    // A service's own check (a dialect's secret problem) carries no params.
    serverWords(issue({ field: "body.verifyToken", code: "custom" }));
    serverWords(issue({ code: "custom", params: { reason: "a_reason_from_a_newer_server" } }));
    // A pattern on a field the portal cannot say in words, a format or origin or code it does not know.
    serverWords(issue({ field: "body.idempotencyKey", code: "invalid_format", params: { format: "regex" } }));
    serverWords(issue({ code: "invalid_format", params: { format: "ulid" } }));
    serverWords(issue({ code: "too_small", params: { origin: "date", minimum: 3 } }));
    serverWords(issue({ code: "too_small", params: { origin: "string" } }));
    serverWords(issue({ code: "not_multiple_of", params: { divisor: 2 } }));
    serverWords(issue({ code: "" }));
  });

  test("only a 400's field errors are worded", () => {
    expect(fieldErrorTexts(toApiError(422, { error: { code: "x", message: "y", details: { issues: [{ field: "body.url", message: "m", code: "custom" }] } } }), i18n("en"))).toEqual({});
    expect(fieldErrorTexts(null, i18n("en"))).toEqual({});
  });
});
