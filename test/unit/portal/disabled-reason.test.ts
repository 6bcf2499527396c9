import { en } from "../../../portal/src/i18n/en";
import { formattersFor } from "../../../portal/src/i18n/format";
import { pt } from "../../../portal/src/i18n/pt";
import { translator } from "../../../portal/src/i18n/translate";
import { disabledReasonText } from "../../../portal/src/webhooks/disabled-reason";

const t = translator(pt);
const fmt = formattersFor("pt");
const webhook = (disabledReasonCode: "gone" | "failing" | "paused" | "other" | null, disabledReason: string | null, consecutiveFailures = 0) => ({
  disabledReasonCode,
  disabledReason,
  consecutiveFailures,
});

describe("why a webhook is disabled", () => {
  test("a 410 is said in the viewer's language, not the server's words", () => {
    expect(disabledReasonText(webhook("gone", "the endpoint answered 410 Gone"), t, fmt)).toEqual({ text: pt["disabled.gone"], note: null, fromServer: false });
  });

  test("failing for too long says how many consecutive failures, formatted for the locale", () => {
    const why = disabledReasonText(webhook("failing", "every attempt failed for 120 h (1234 consecutive failures)", 1234), t, fmt);
    expect(why.text).toBe(pt["disabled.failing"].replace("{count}", "1.234"));
  });

  test("a pause shows the account's own note as written, and none when it has none", () => {
    expect(disabledReasonText(webhook("paused", "paused: maintenance until Monday"), t, fmt)).toEqual({
      text: pt["disabled.paused"],
      note: "maintenance until Monday",
      fromServer: false,
    });
    expect(disabledReasonText(webhook("paused", "paused"), t, fmt).note).toBeNull();
  });

  test("a reason without a code is the server's text, marked as such", () => {
    expect(disabledReasonText(webhook("other", "disabled by an operator"), t, fmt)).toEqual({ text: "disabled by an operator", note: null, fromServer: true });
    expect(disabledReasonText(webhook(null, null), translator(en), fmt).text).toBe(en["common.none"]);
  });
});
