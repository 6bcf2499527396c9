import { ApiError, toApiError } from "../../../portal/src/api/errors";
import { ar } from "../../../portal/src/i18n/ar";
import { en } from "../../../portal/src/i18n/en";
import { formattersFor } from "../../../portal/src/i18n/format";
import { pt } from "../../../portal/src/i18n/pt";
import { translator } from "../../../portal/src/i18n/translate";
import { describeError } from "../../../portal/src/ui/describe-error";
import { handshakeFailureText, readHandshakeFailure } from "../../../portal/src/webhooks/handshake-failure";

/** The 422 the API sends for a failed handshake (src/webhooks/service.ts): English message, reason in details. */
const handshake422 = (details: Record<string, unknown>, message = "verification handshake failed: the endpoint answered 403") =>
  toApiError(422, { error: { code: "handshake_failed", message, details } });

const i18n = (locale: "en" | "pt" | "ar") => ({ t: translator({ en, pt, ar }[locale]), fmt: formattersFor(locale) });

describe("a failed ownership handshake in the portal", () => {
  test("is read from the error's details, with the numbers the API sent", () => {
    const error = handshake422({ reason: "http_status", status: 403, bodySnippet: "forbidden", elapsedMs: 12 });
    expect(readHandshakeFailure(error)).toEqual({ reason: "http_status", status: 403, bodySnippet: "forbidden", elapsedMs: 12 });
  });

  test("is not read from another error, or from a reason this portal does not know", () => {
    expect(readHandshakeFailure(toApiError(422, { error: { code: "unknown_event_types", message: "x", details: { reason: "timeout" } } }))).toBeNull();
    expect(readHandshakeFailure(handshake422({ reason: "quantum_flux", elapsedMs: 1 }))).toBeNull();
    expect(readHandshakeFailure(new ApiError(422, "handshake_failed", "no details"))).toBeNull();
  });

  test("says the status the endpoint answered, in each language", () => {
    const error = handshake422({ reason: "http_status", status: 403, elapsedMs: 9 });
    expect(describeError(error, i18n("en"))).toBe(en["handshake.httpStatus"].replace("{status}", "403"));
    expect(describeError(error, i18n("pt"))).toBe(pt["handshake.httpStatus"].replace("{status}", "403"));
    expect(describeError(error, i18n("ar"))).toBe(ar["handshake.httpStatus"].replace("{status}", "403"));
    expect(describeError(error, i18n("ar"))).not.toContain("endpoint");
  });

  test("says how long it waited on a timeout, in seconds in words", () => {
    const error = handshake422({ reason: "timeout", elapsedMs: 5_003 });
    expect(describeError(error, i18n("en"))).toBe("Timed out after 5 seconds: your endpoint did not answer in time.");
    expect(describeError(error, i18n("pt"))).toContain("5 segundos");
  });

  test("says the challenge did not match, and what status came with the wrong body", () => {
    const f = readHandshakeFailure(handshake422({ reason: "challenge_mismatch", status: 200, bodySnippet: "nope", elapsedMs: 3 }))!;
    expect(handshakeFailureText(f, i18n("en").t, i18n("en").fmt)).toBe(
      "The challenge did not match: your endpoint answered 200, but its body was not the challenge it was sent.",
    );
  });

  test("names a redirect's status and that redirects are not followed", () => {
    const text = describeError(handshake422({ reason: "redirect", status: 301, elapsedMs: 3 }), i18n("en"));
    expect(text).toContain("301");
    expect(text).toContain("Redirects are not followed");
  });

  test("words a known network error class and keeps the class for searching; an unknown class is shown as the code", () => {
    expect(describeError(handshake422({ reason: "unreachable", error: "ECONNREFUSED", elapsedMs: 1 }), i18n("en"))).toBe(
      "Your endpoint could not be reached: the connection was refused (ECONNREFUSED).",
    );
    expect(describeError(handshake422({ reason: "unreachable", error: "EWEIRD", elapsedMs: 1 }), i18n("en"))).toBe(
      "Your endpoint could not be reached: EWEIRD.",
    );
  });

  test("names the refused address and the kind of range it is in, or says it generally when they are missing", () => {
    const refused = handshake422({ reason: "destination_refused", error: "EGRESS_REFUSED", address: "10.0.0.7", addressKind: "private", elapsedMs: 1 });
    expect(describeError(refused, i18n("en"))).toContain("10.0.0.7 is a private-network address");
    expect(describeError(refused, i18n("pt"))).toContain("10.0.0.7 é um endereço de rede privada");
    expect(describeError(handshake422({ reason: "destination_refused", elapsedMs: 1 }), i18n("en"))).toBe(en["handshake.destinationRefusedNoAddress"]);
  });

  test("falls back to the API's English message when the reason is unknown", () => {
    const error = handshake422({ reason: "new_reason_from_a_newer_api", elapsedMs: 1 }, "verification handshake failed: something new");
    expect(describeError(error, i18n("ar"))).toBe("verification handshake failed: something new");
  });
});
