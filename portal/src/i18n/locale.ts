export const LOCALES = ["en", "pt", "ar"] as const;
export type Locale = (typeof LOCALES)[number];

/** The BCP 47 tags handed to Intl: Portuguese is worded for Brazil. */
export const INTL_TAG: Record<Locale, string> = { en: "en", pt: "pt-BR", ar: "ar" };

function asLocale(tag: string | null | undefined): Locale | null {
  const base = tag?.toLowerCase().split(/[-_]/)[0];
  return (LOCALES as readonly string[]).includes(base ?? "") ? (base as Locale) : null;
}

/** The session's locale, else the browser's first supported language, else English. */
export function resolveLocale(sessionLocale: string | null | undefined, browserLanguages: readonly string[]): Locale {
  return asLocale(sessionLocale) ?? browserLanguages.map(asLocale).find((l) => l !== null) ?? "en";
}

export function directionOf(locale: Locale): "ltr" | "rtl" {
  return locale === "ar" ? "rtl" : "ltr";
}
