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

/**
 * Keyset pages newest first on (time, id): the delivery log and the events list. A page is read
 * with one row more than asked, which says whether there is a next one; the cursor is the last
 * row's position, so pages stay stable while new rows arrive.
 */
export function decodeTimeCursor(cursor: string | undefined): { at: Date; id: string } | null {
  if (!cursor) return null;
  const { t, id } = decodeCursor(cursor, ["t", "id"], (k) => !Number.isNaN(Date.parse(k.t)));
  return { at: new Date(t), id };
}

export function timePage<T extends { id: string }>(rows: T[], limit: number, at: (row: T) => Date): { page: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, nextCursor: rows.length > limit && last ? encodeCursor({ t: at(last).toISOString(), id: last.id }) : null };
}
