import { INTL_TAG, type Locale } from "./locale";

/** Formatters for one locale, in the viewer's own time zone (Intl's default). */
export interface Formatters {
  dateTime(iso: string): string;
  number(n: number): string;
  /** `ratio` in 0..1. */
  percent(ratio: number): string;
  ms(ms: number): string;
  /** A duration given in ms, in whole or tenth seconds in words: "5 seconds", "5 segundos". */
  seconds(ms: number): string;
  hour(iso: string): string;
  /** Alternatives in the locale's words: "a, b, or c", "a, b ou c". */
  orList(items: readonly string[]): string;
}

export function formattersFor(locale: Locale): Formatters {
  const tag = INTL_TAG[locale];
  const dateTime = new Intl.DateTimeFormat(tag, { dateStyle: "medium", timeStyle: "medium" });
  const hour = new Intl.DateTimeFormat(tag, { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" });
  const number = new Intl.NumberFormat(tag);
  const percent = new Intl.NumberFormat(tag, { style: "percent", maximumFractionDigits: 1 });
  const ms = new Intl.NumberFormat(tag, { style: "unit", unit: "millisecond", unitDisplay: "short", maximumFractionDigits: 0 });
  const seconds = new Intl.NumberFormat(tag, { style: "unit", unit: "second", unitDisplay: "long", maximumFractionDigits: 1 });
  const orList = new Intl.ListFormat(tag, { type: "disjunction" });
  return {
    dateTime: (iso) => dateTime.format(new Date(iso)),
    hour: (iso) => hour.format(new Date(iso)),
    number: (n) => number.format(n),
    percent: (r) => percent.format(r),
    ms: (v) => ms.format(v),
    seconds: (v) => seconds.format(v / 1000),
    orList: (items) => orList.format(items),
  };
}
