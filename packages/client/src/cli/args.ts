import { parseArgs, type ParseArgsConfig } from "node:util";

/** Wrong arguments: exit 2 with the command's usage. Never an API failure. */
export class UsageError extends Error {
  override name = "UsageError";
}

export type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

/** Accepted by every command: where the API is, which key, and the output format. */
export const GLOBAL_OPTIONS = {
  "api-url": { type: "string" },
  "api-key": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies OptionSpec;

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** node:util parseArgs, strict, with its errors turned into usage errors. */
export function parseCommandArgs(args: string[], options: OptionSpec): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({ args, options: { ...GLOBAL_OPTIONS, ...options }, strict: true, allowPositionals: true });
    return { values: values as ParsedArgs["values"], positionals };
  } catch (err) {
    // parseArgs names the problem well ("Unknown option '--x'"); only its advice about `--` is noise here.
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === "string" ? v : undefined;
}

export function requiredOption(args: ParsedArgs, name: string): string {
  const v = stringOption(args, name);
  if (v === undefined || v === "") throw new UsageError(`--${name} is required`);
  return v;
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** Values of a repeatable option (`--webhook a --webhook b`), each also split on commas. */
export function listOption(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  const raw = Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
  return splitList(raw.join(","));
}

/** `a,b, c` → ["a","b","c"]; empty items dropped. */
export function splitList(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function intOption(args: ParsedArgs, name: string, bounds: { min: number; max: number }): number | undefined {
  const raw = stringOption(args, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < bounds.min || n > bounds.max) throw new UsageError(`--${name} must be a whole number from ${bounds.min} to ${bounds.max}`);
  return n;
}

/** The one positional a command like `webhooks show <id>` takes. */
export function onePositional(args: ParsedArgs, what: string): string {
  const [first, ...extra] = args.positionals;
  if (!first) throw new UsageError(`missing <${what}>`);
  if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra.join(" ")}`);
  return first;
}

export function noPositionals(args: ParsedArgs): void {
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument: ${args.positionals.join(" ")}`);
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** `90`, `90s`, `15m`, `12h`, `7d`, `1w` → seconds; null when it is none of those. */
export function parseDurationSeconds(value: string): number | null {
  const m = /^(\d+)\s*([smhdw]?)$/.exec(value.trim());
  if (!m) return null;
  return Number(m[1]) * UNIT_SECONDS[m[2] || "s"]!;
}

/**
 * `--since`: an ISO 8601 instant (passed on as is, the API judges it) or a duration back from
 * `now` (`15m`, `2h`, `7d`).
 */
export function parseSince(value: string, now: Date): string {
  const seconds = parseDurationSeconds(value);
  if (seconds !== null) return new Date(now.getTime() - seconds * 1000).toISOString();
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value))) return value;
  throw new UsageError(`--since must be a duration like 15m, 2h or 7d, or an ISO 8601 time like 2026-11-23T00:00:00Z (got "${value}")`);
}

/** Where `--data` comes from: `@file.json`, `-` (stdin) or the JSON text itself. */
export type DataSource = { kind: "file"; path: string } | { kind: "stdin" } | { kind: "inline"; text: string };

export function dataSource(value: string): DataSource {
  if (value === "-") return { kind: "stdin" };
  if (value.startsWith("@")) {
    if (value.length === 1) throw new UsageError("--data @<file> needs a file name");
    return { kind: "file", path: value.slice(1) };
  }
  return { kind: "inline", text: value };
}

/** The event's data: JSON, as the API takes it; `where` names the source in the message. */
export function parseJsonData(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--data: ${where} is not valid JSON (${(err as Error).message})`);
  }
}
