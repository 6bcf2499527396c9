import { ar } from "../../../portal/src/i18n/ar";
import { en, type MessageKey } from "../../../portal/src/i18n/en";
import { pt } from "../../../portal/src/i18n/pt";
import { translator } from "../../../portal/src/i18n/translate";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("the message catalogs", () => {
  test.each([
    ["pt", pt],
    ["ar", ar],
  ] as const)("%s has every English key, with the same placeholders", (_name, messages) => {
    expect(Object.keys(messages).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as MessageKey[]) {
      expect({ key, placeholders: placeholders(messages[key]) }).toEqual({ key, placeholders: placeholders(en[key]) });
    }
  });

  test("t fills placeholders it is given and leaves the others visible", () => {
    const t = translator(en);
    expect(t("webhooks.consecutiveFailures", { count: "3" })).toBe("Consecutive failures: 3");
    expect(t("webhooks.consecutiveFailures")).toBe("Consecutive failures: {count}");
  });
});
