import { badRequest } from "./errors";

/**
 * Opaque page cursors: base64url of the last row's sort key. Opaque so that the sort key can
 * change without breaking clients; validated so a mangled cursor is a 400, never a 500.
 */
export function encodeCursor(key: Record<string, string>): string {
  return Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
}

export function decodeCursor<K extends string>(
  cursor: string,
  fields: readonly K[],
  valid: (key: Record<K, string>) => boolean = () => true,
): Record<K, string> {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      typeof parsed === "object" &&
      parsed !== null &&
      fields.every((f) => typeof (parsed as Record<string, unknown>)[f] === "string") &&
      valid(parsed as Record<K, string>)
    ) {
      return parsed as Record<K, string>;
    }
  } catch {
    // fall through
  }
  throw badRequest("invalid_cursor", "the cursor is not one this API returned");
}
