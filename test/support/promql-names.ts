/**
 * The metric names a PromQL expression reads, for checking the dashboard and alert rules
 * against what the processes export (test/integration/deploy-files.test.ts). Not a parser:
 * it removes everything that can hold a name that is not a metric (strings, label matchers,
 * ranges, the label lists of by/without/on/ignoring/group_left/group_right), then keeps the
 * identifiers that are neither a function call nor a keyword. That is enough for the
 * expressions we write; a construct it misreads shows up as an unknown name, never as a pass.
 */

const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "bool", "inf", "nan", "atan2"]);

export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    // Grafana's variables ($__rate_interval, ${datasource}, $instance) live in ranges and matchers.
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, " ")
    .replace(/\{[^{}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\$\{?\w+\}?/g, " ");
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w.:])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const [, name, call] = m;
    if (call || KEYWORDS.has(name!.toLowerCase())) continue;
    names.add(name!);
  }
  return [...names].sort();
}

/**
 * The series names a /metrics page (Prometheus text format) offers to queries: every sample's
 * name, and every declared metric's even before it has a sample (a labelled counter has none
 * until it is first counted), a histogram's as its _bucket, _sum and _count series.
 */
export function exportedSeriesNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split("\n")) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      const [, name, kind] = type;
      if (kind === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(name + suffix);
      else if (kind === "summary") for (const suffix of ["", "_sum", "_count"]) names.add(name + suffix);
      else names.add(name!);
    } else if (line && !line.startsWith("#")) {
      names.add(/^[^{\s]+/.exec(line)![0]);
    }
  }
  return names;
}
