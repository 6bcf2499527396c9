/**
 * Output formatting, pure: a command computes strings here and writes them through its io.
 * Human output is tables and key/value blocks; `--json` is one JSON document per command (or
 * one compact object per line for streaming commands), so scripts never parse a table.
 */

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** Columns padded to their widest cell; the last column is not padded (no trailing spaces). */
export function table(headers: string[], rows: string[][]): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  return all
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** `label: value` lines, labels aligned; undefined values are left out. */
export function keyValues(pairs: [string, string | undefined][]): string {
  const shown = pairs.filter((p): p is [string, string] => p[1] !== undefined);
  const width = Math.max(0, ...shown.map(([k]) => k.length + 1));
  return shown.map(([k, v]) => `${(k + ":").padEnd(width)} ${v}`).join("\n");
}

export function jsonDocument(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** One line of a stream: compact, so `jq -c`/`while read` consume it line by line. */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value);
}

/** `2026-12-01T16:24:21.123Z` → `2026-12-01 16:24:21` (UTC, as the API gives it). */
export function shortTime(iso: string | null | undefined): string {
  if (!iso) return "-";
  return iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "");
}

/** The time of day with milliseconds, for streams: `16:24:21.123`. */
export function clockTime(date: Date): string {
  return date.toISOString().slice(11, 23);
}

/** Cuts long cells (URLs, errors) so a table stays readable; --json has them whole. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export const dash = (v: string | number | null | undefined): string => (v === null || v === undefined || v === "" ? "-" : String(v));
