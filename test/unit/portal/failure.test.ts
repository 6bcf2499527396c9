import { ar } from "../../../portal/src/i18n/ar";
import { en } from "../../../portal/src/i18n/en";
import { formattersFor } from "../../../portal/src/i18n/format";
import { translator } from "../../../portal/src/i18n/translate";
import { failureText, readFailure } from "../../../portal/src/deliveries/failure";

const enT = translator(en);
const enFmt = formattersFor("en");

/** The forms `describeFailure` (src/delivery/retry-policy.ts) writes into lastError and an attempt's error. */
describe("a failed attempt's description", () => {
  test("is read as an HTTP status, a timeout or a known network error class", () => {
    expect(readFailure("HTTP 503")).toEqual({ kind: "http", status: 503 });
    expect(readFailure("timed out after 5000 ms")).toEqual({ kind: "timeout", timeoutMs: 5000 });
    expect(readFailure("ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9")).toEqual({ kind: "network", errorClass: "ECONNREFUSED", cause: "network.refused" });
    expect(readFailure("ENOTFOUND: getaddrinfo ENOTFOUND nowhere.invalid")).toMatchObject({ kind: "network", cause: "network.dns" });
  });

  test("is left as the server's text when it is not exactly one of those forms", () => {
    for (const text of ["HTTP 503 Service Unavailable", "timed out after a while", "EWHATEVER: odd", "Error: boom", "constructor: x"]) {
      expect(readFailure(text)).toEqual({ kind: "unread", text });
      expect(failureText(text, enT, enFmt)).toBe(text);
    }
  });

  test("passes an HTTP status through and words a timeout in the viewer's language", () => {
    expect(failureText("HTTP 500", enT, enFmt)).toBe("HTTP 500");
    expect(failureText("timed out after 5000 ms", enT, enFmt)).toBe("timed out after 5 seconds");
    expect(failureText("timed out after 5000 ms", translator(ar), formattersFor("ar"))).toBe(ar["failure.timeout"].replace("{duration}", formattersFor("ar").seconds(5000)));
  });

  test("words a refused connection and keeps its error class", () => {
    expect(failureText("ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9", enT, enFmt)).toBe("the connection was refused (ECONNREFUSED)");
    expect(failureText("ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9", translator(ar), formattersFor("ar"))).toBe("رُفض الاتصال (ECONNREFUSED)");
  });
});
