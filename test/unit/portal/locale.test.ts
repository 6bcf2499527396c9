import { directionOf, resolveLocale } from "../../../portal/src/i18n/locale";

describe("the portal's language", () => {
  test("the session's locale wins over the browser's", () => {
    expect(resolveLocale("ar", ["pt-BR", "en"])).toBe("ar");
    expect(resolveLocale("pt_BR", ["en"])).toBe("pt");
  });

  test("without a supported session locale, the browser's first supported language is used, else English", () => {
    expect(resolveLocale(null, ["de-DE", "PT-br", "ar"])).toBe("pt");
    expect(resolveLocale("fr", ["ar-EG"])).toBe("ar");
    expect(resolveLocale(undefined, ["de", "ja"])).toBe("en");
    expect(resolveLocale(null, [])).toBe("en");
  });

  test("only Arabic is right-to-left", () => {
    expect(directionOf("ar")).toBe("rtl");
    expect(directionOf("pt")).toBe("ltr");
    expect(directionOf("en")).toBe("ltr");
  });
});
