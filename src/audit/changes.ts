/**
 * What an update changed, field by field, as the audit log keeps it. Pure: the services pass
 * the row before and after. A secret (a verify token, a signing secret, a client key) appears
 * as `{ changed: true }` and never with a value, in either direction.
 */
export type FieldChange = { from: unknown; to: unknown } | { changed: true };
export type Changes = Record<string, FieldChange>;

export interface ChangedFieldsOptions {
  /** Fields whose values must never be recorded. */
  secret?: readonly string[];
  /** Fields to leave out (bookkeeping such as updatedAt). */
  ignore?: readonly string[];
}

/** The fields of `after` whose value differs from `before`'s; only the keys `after` has are compared. */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>, options: ChangedFieldsOptions = {}): Changes {
  const secret = new Set(options.secret ?? []);
  const ignore = new Set(options.ignore ?? []);
  const out: Changes = {};
  for (const field of Object.keys(after)) {
    if (ignore.has(field)) continue;
    const from = normalize(before[field]);
    const to = normalize(after[field]);
    if (sameValue(from, to)) continue;
    out[field] = secret.has(field) ? { changed: true } : { from, to };
  }
  return out;
}

/** Whether there is anything to record. */
export function hasChanges(changes: Changes): boolean {
  return Object.keys(changes).length > 0;
}

/** JSON-shaped values: dates as ISO text, undefined as null, so the entry reads as it was stored. */
function normalize(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return value.toString();
  return value;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return stableJson(a) === stableJson(b);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(normalize(value)) ?? "null";
}
