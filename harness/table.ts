/** Plain-text tables, as the bench and the fault suite print them. */
export type Cell = string | number | null;

export function fmt(v: Cell | boolean | undefined): string {
  if (v === null || v === undefined) return "–";
  if (typeof v === "number") return Number.isInteger(v) ? v.toLocaleString("en-US") : String(v);
  return String(v);
}

/** A plain-text table: one column per key seen in any row, in first-seen order. */
export function table(rows: Record<string, Cell>[]): string {
  const cols: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  const cells = rows.map((r) => cols.map((c) => fmt(r[c])));
  const width = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]) => "| " + vals.map((v, i) => v.padEnd(width[i]!)).join(" | ") + " |";
  return [line(cols), "|" + width.map((w) => "-".repeat(w + 2)).join("|") + "|", ...cells.map(line)].join("\n");
}
