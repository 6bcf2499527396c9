import { createContext, useContext, useEffect, useMemo, type ReactNode } from "react";
import { ar } from "./ar";
import { en, type Messages } from "./en";
import { formattersFor, type Formatters } from "./format";
import { directionOf, INTL_TAG, type Locale } from "./locale";
import { pt } from "./pt";
import { translator, type Translate } from "./translate";

export type { Translate };

const CATALOGS: Record<Locale, Messages> = { en, pt, ar };

export interface I18n {
  locale: Locale;
  dir: "ltr" | "rtl";
  t: Translate;
  fmt: Formatters;
}

const I18nContext = createContext<I18n | null>(null);

/** Provides the catalog and formatters, and marks the document's language and direction. */
export function I18nProvider({ locale, children }: { locale: Locale; children: ReactNode }) {
  const value = useMemo<I18n>(
    () => ({ locale, dir: directionOf(locale), t: translator(CATALOGS[locale]), fmt: formattersFor(locale) }),
    [locale],
  );
  useEffect(() => {
    document.documentElement.lang = INTL_TAG[locale];
    document.documentElement.dir = value.dir;
  }, [locale, value.dir]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const i18n = useContext(I18nContext);
  if (!i18n) throw new Error("useI18n outside I18nProvider");
  return i18n;
}
