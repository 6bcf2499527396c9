import type { Cell, ScenarioResult } from "./types";

/**
 * `--repeat N`: one scenario's N results as one report. On a VM whose CPU time for identical
 * work swings by a third within the hour, a single figure near a target decides nothing; the
 * median of adjacent runs, shown beside every run, does. Each run's rows are kept, tagged with
 * their run; then one median row per row position, for the columns numeric in every run.
 */
export function mergeRuns(runs: ScenarioResult[]): ScenarioResult {
  const first = runs[0];
  if (!first) throw new Error("no runs to merge");
  if (runs.length === 1) return first;
  const rows: Record<string, Cell>[] = [];
  runs.forEach((r, i) => rows.push(...r.rows.map((row) => ({ run: i + 1, ...row }))));
  const positions = Math.max(...runs.map((r) => r.rows.length));
  for (let p = 0; p < positions; p++) {
    const same = runs.map((r) => r.rows[p]).filter((row): row is Record<string, Cell> => row !== undefined);
    const median: Record<string, Cell> = { run: "median" };
    for (const key of Object.keys(same[0]!)) {
      const values = same.map((row) => row[key]);
      const numbers = values.filter((v): v is number => typeof v === "number");
      // A label column (the same text in every run) is kept; a varying non-number is not summarised.
      if (numbers.length === values.length && same.length === runs.length) median[key] = medianOf(numbers);
      else median[key] = values.every((v) => v === values[0]) ? values[0]! : null;
    }
    rows.push(median);
  }
  return {
    ...first,
    title: `${first.title} × ${runs.length} runs`,
    rows,
    notes: runs.flatMap((r, i) => r.notes.map((n) => `run ${i + 1}: ${n}`)),
    durationSec: runs.reduce((sum, r) => sum + (r.durationSec ?? 0), 0),
  };
}

export function medianOf(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const m = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return Math.round(m * 100) / 100;
}
