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
  /** All of them, in the locale's words: "a, b, and c", "a, b e c". */
  andList(items: readonly string[]): string;
  /** How long before (or after) `nowMs` it was, in its largest whole unit: "3 minutes ago", "yesterday", "há 3 minutos". */
  relative(iso: string, nowMs: number): string;
}

/** The largest unit that fits, and how many of it; seconds under a minute, and so on. */
const RELATIVE_UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86_400_000],
  ["month", 30 * 86_400_000],
  ["week", 7 * 86_400_000],
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];

function relativeParts(diffMs: number): [number, Intl.RelativeTimeFormatUnit] {
  for (const [unit, ms] of RELATIVE_UNITS) {
    if (Math.abs(diffMs) >= ms) return [Math.trunc(diffMs / ms), unit];
  }
  return [Math.trunc(diffMs / 1000), "second"];
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
  const andList = new Intl.ListFormat(tag, { type: "conjunction" });
  const relative = new Intl.RelativeTimeFormat(tag, { numeric: "auto" });
  return {
    dateTime: (iso) => dateTime.format(new Date(iso)),
    hour: (iso) => hour.format(new Date(iso)),
    number: (n) => number.format(n),
    percent: (r) => percent.format(r),
    ms: (v) => ms.format(v),
    seconds: (v) => seconds.format(v / 1000),
    orList: (items) => orList.format(items),
    andList: (items) => andList.format(items),
    relative: (iso, nowMs) => relative.format(...relativeParts(new Date(iso).getTime() - nowMs)),
  };
}
