import { fieldErrorsOf, NETWORK_ERROR, networkError, toApiError } from "../../../portal/src/api/errors";

describe("the portal's API errors", () => {
  test("keep the API's code, message, status and details", () => {
    const details = { reason: "timeout", elapsedMs: 5000 };
    const error = toApiError(422, { error: { code: "handshake_failed", message: "verification handshake failed: …", details } });
    expect(error).toMatchObject({ name: "ApiError", status: 422, code: "handshake_failed", message: "verification handshake failed: …", details });
  });

  test("name a body that is not the error format by its status, with no details", () => {
    const error = toApiError(502, "<html>bad gateway</html>");
    expect(error).toMatchObject({ code: "http_502", message: "", details: null });
    expect(toApiError(500, null).code).toBe("http_500");
  });

  test("key field errors by the form field, first issue per field, keeping its code and params", () => {
    const issues = [
      { field: "body.url", message: "must be https", code: "custom", params: { reason: "scheme", httpAllowed: false, nested: { x: 1 } } },
      { field: "body.eventTypes.0", message: "unknown", code: "invalid_format", params: { format: "regex" } },
      { field: "body.eventTypes.1", message: "also unknown", code: "invalid_format" },
      { field: 7, message: "ignored" },
    ];
    expect(fieldErrorsOf({ details: { issues } })).toEqual({
      url: { field: "body.url", message: "must be https", code: "custom", params: { reason: "scheme", httpAllowed: false } },
      eventTypes: { field: "body.eventTypes.0", message: "unknown", code: "invalid_format", params: { format: "regex" } },
    });
    expect(toApiError(400, { error: { code: "validation_failed", message: "x", details: { issues } } }).fieldErrors.url?.message).toBe("must be https");
    expect(fieldErrorsOf({ details: { issues: [{ field: "body.url", message: "no code" }] } }).url).toEqual({ field: "body.url", message: "no code", code: "" });
    expect(fieldErrorsOf({ details: { issues: "not a list" } })).toEqual({});
  });

  test("a network failure has status 0 and its own code", () => {
    expect(networkError()).toMatchObject({ status: 0, code: NETWORK_ERROR });
  });
});
