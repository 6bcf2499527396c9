import type { Notice } from "../../../portal/src/api/types";
import { ar } from "../../../portal/src/i18n/ar";
import { en } from "../../../portal/src/i18n/en";
import { formattersFor } from "../../../portal/src/i18n/format";
import { pt } from "../../../portal/src/i18n/pt";
import { translator } from "../../../portal/src/i18n/translate";
import { noticeSentence, sentenceParts } from "../../../portal/src/notices/notice-text";

const webhook = { id: "wh_01JD2Z8Q3M4N5P6R7S8T9V0W1X", url: "https://example.com/hooks", description: null };
const at = "2026-12-01T14:40:00.000Z";
const en_ = { t: translator(en), fmt: formattersFor("en") };

const disabled = (reasonCode: string, reason = "the endpoint answered 410 Gone"): Notice =>
  ({ id: "evt_1", type: "webhook.disabled", createdAt: at, data: { webhook, reason, reasonCode, disabledAt: at } }) as Notice;
const failing = (failingSince: string | null, consecutiveFailures = 1234): Notice => ({
  id: "evt_2",
  type: "webhook.failing",
  createdAt: at,
  data: { webhook, consecutiveFailures, failingSince, lastError: "HTTP 503" },
});
const exhausted = (alsoExhausted: number): Notice => ({
  id: "evt_3",
  type: "delivery.exhausted",
  createdAt: at,
  data: { webhook, delivery: { id: "dlv_9", eventId: "evt_8", eventType: "message.created", attempts: 8 }, lastError: "HTTP 500", lastStatusCode: 500, alsoExhausted },
});

describe("a notice in words", () => {
  test("a disable by a 410 and by failing too long are said in the viewer's words, not the server's", () => {
    expect(noticeSentence(disabled("gone"), en_.t, en_.fmt)).toEqual({ text: en["notice.disabled.gone"], delivery: null, reason: null, lastError: null });
    expect(noticeSentence(disabled("failing", "every attempt failed for 120 h"), translator(ar), formattersFor("ar")).text).toBe(ar["notice.disabled.failing"]);
  });

  test("a disable reason the portal has no code for is the server's text, left for the page to isolate", () => {
    const said = noticeSentence(disabled("operator", "disabled by the operator"), en_.t, en_.fmt);
    expect(said).toMatchObject({ text: en["notice.disabled.other"], reason: "disabled by the operator" });
    expect(sentenceParts(said)).toEqual([
      { kind: "text", value: "Disabled: " },
      { kind: "reason", value: "disabled by the operator" },
    ]);
  });

  test("failing says the count and since when, formatted for the locale, and carries the last error", () => {
    const fmt = formattersFor("pt");
    const said = noticeSentence(failing("2026-12-01T14:02:00.000Z"), translator(pt), fmt);
    expect(said.text).toBe(pt["notice.failing"].replace("{count}", "1.234").replace("{since}", fmt.hour("2026-12-01T14:02:00.000Z")));
    expect(said.lastError).toBe("HTTP 503");
    expect(noticeSentence(failing(null, 5), en_.t, en_.fmt).text).toBe("Failing. Consecutive failures: 5.");
  });

  test("recovered says since when it had been failing, when known", () => {
    const recovered = (failingSince: string | null): Notice => ({ id: "evt_4", type: "webhook.recovered", createdAt: at, data: { webhook, failingSince, recoveredAt: at } });
    expect(noticeSentence(recovered(null), en_.t, en_.fmt).text).toBe("Recovered: deliveries succeed again.");
    expect(noticeSentence(recovered("2026-12-01T14:02:00.000Z"), en_.t, en_.fmt).text).toBe(
      `Recovered: deliveries succeed again after failing since ${en_.fmt.hour("2026-12-01T14:02:00.000Z")}.`,
    );
  });

  test("a delivery given up on names it (for a link) and its attempts, and how many more were folded in", () => {
    const alone = noticeSentence(exhausted(0), en_.t, en_.fmt);
    expect(alone).toMatchObject({ delivery: { id: "dlv_9", eventId: "evt_8" }, lastError: "HTTP 500" });
    expect(sentenceParts(alone)).toEqual([
      { kind: "text", value: "Delivery " },
      { kind: "delivery", value: "dlv_9" },
      { kind: "text", value: " gave up after attempt 8." },
    ]);
    expect(sentenceParts(noticeSentence(exhausted(3), en_.t, en_.fmt)).map((p) => p.value).join("")).toBe("Delivery dlv_9 gave up after attempt 8 (3 more since the previous notice).");
    const inArabic = sentenceParts(noticeSentence(exhausted(3), translator(ar), formattersFor("ar")));
    expect(inArabic.filter((p) => p.kind === "delivery")).toEqual([{ kind: "delivery", value: "dlv_9" }]);
    expect(inArabic.map((p) => p.value).join("")).toBe(
      ar["notice.exhaustedMore"].replace("{delivery}", "dlv_9").replace("{attempts}", formattersFor("ar").number(8)).replace("{count}", formattersFor("ar").number(3)),
    );
  });

  test("a type this portal does not know reads as its name", () => {
    const future = { id: "evt_5", type: "webhook.renamed", createdAt: at, data: {} } as unknown as Notice;
    expect(noticeSentence(future, en_.t, en_.fmt).text).toBe("webhook.renamed");
  });
});

describe("relative times", () => {
  const now = Date.parse(at);
  const ago = (ms: number) => new Date(now - ms).toISOString();
  test.each([
    [0, "now"],
    [42_000, "42 seconds ago"],
    [60_000, "1 minute ago"],
    [3 * 3_600_000 + 59 * 60_000, "3 hours ago"],
    [86_400_000, "yesterday"],
    [3 * 86_400_000, "3 days ago"],
    [15 * 86_400_000, "2 weeks ago"],
    [400 * 86_400_000, "last year"],
  ])("%d ms before now is %p", (ms, text) => {
    expect(formattersFor("en").relative(ago(ms), now)).toBe(text);
  });

  test("are in the viewer's language", () => {
    expect(formattersFor("pt").relative(ago(3 * 60_000), now)).toBe("há 3 minutos");
    expect(formattersFor("ar").relative(ago(3 * 60_000), now)).toMatch(/^قبل /);
  });
});
