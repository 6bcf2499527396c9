import { ApiError, networkError } from "../../../portal/src/api/errors";
import { en } from "../../../portal/src/i18n/en";
import { formattersFor } from "../../../portal/src/i18n/format";
import { translator } from "../../../portal/src/i18n/translate";
import { describeError } from "../../../portal/src/ui/describe-error";

const i18n = { t: translator(en), fmt: formattersFor("en") };

describe("an error in plain words", () => {
  test("generic failures get the catalog's text, never a stack or a status page", () => {
    expect(describeError(networkError(), i18n)).toBe(en["error.network"]);
    expect(describeError(new ApiError(403, "read_only_session", "session is read-only"), i18n)).toBe(en["error.readOnly"]);
    expect(describeError(new ApiError(429, "rate_limited", "slow down"), i18n)).toBe(en["error.rateLimited"]);
    expect(describeError(new ApiError(503, "http_503", ""), i18n)).toBe(en["error.unavailable"]);
    expect(describeError(new ApiError(500, "internal", "TypeError at …"), i18n)).toBe("The server could not complete this request (status 500).");
  });

  test("a refusal the portal has no words for is the API's own message", () => {
    expect(describeError(new ApiError(422, "unknown_event_types", "unknown event types: a.b"), i18n)).toBe("unknown event types: a.b");
  });
});
