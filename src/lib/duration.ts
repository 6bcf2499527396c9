/**
 * Durations in configuration: "250ms", "5s", "2m", "1h", "5d", or a bare number of
 * milliseconds. Pure; returns null for anything else so config can name the variable.
 */
const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) return null;
  const ms = Number(m[1]) * UNITS[m[2] ?? "ms"]!;
  return Number.isFinite(ms) ? Math.round(ms) : null;
}
