import type { HeadersLike } from "./types";

/**
 * One way to read a header from Node's IncomingHttpHeaders, a Fetch `Headers` or a plain record
 * whose names may be in any case. Repeated headers read joined with ", ", as Fetch joins them.
 */
export function headerReader(headers: HeadersLike): (name: string) => string | undefined {
  if (typeof (headers as { get?: unknown }).get === "function") {
    const fetchHeaders = headers as { get(name: string): string | null };
    return (name) => fetchHeaders.get(name) ?? undefined;
  }
  const byName = new Map<string, string | string[] | number | undefined>();
  for (const [name, value] of Object.entries(headers)) byName.set(name.toLowerCase(), value);
  return (name) => {
    const value = byName.get(name.toLowerCase());
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value.join(", ") : String(value);
  };
}
