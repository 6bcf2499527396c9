/**
 * What the API accepts in any JSON it reads (bodies, and query and path values), beyond what
 * each route's schema says:
 *
 * - valid Unicode text: no unpaired UTF-16 surrogate (which JSON's `\ud800` escapes can
 *   produce) and no U+0000, which Postgres refuses in text and jsonb. Both reached the database
 *   as an error, i.e. a 500. Fields a route names as opaque are exempt: events' `data` is
 *   stored as JSON text, where such characters stay escapes (`\udc00`, `\u0000`), and is sent
 *   on byte for byte; producers rely on that (see the dialect tests' "tricky JSON").
 * - at most MAX_JSON_DEPTH levels of nesting. JSON.parse reads any depth, but JSON.stringify,
 *   zod and Postgres recurse, and overflowed their stacks (a 500) on a body ten thousand
 *   levels deep that fits in a few kilobytes.
 */
export const MAX_JSON_DEPTH = 100;

// eslint-disable-next-line no-control-regex -- U+0000 is exactly what it must find
const ILL_FORMED = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|\u0000/;

export function isWellFormedText(s: string): boolean {
  return !ILL_FORMED.test(s);
}

/** `s` with each offending code unit replaced by U+FFFD, safe to quote back in an error. */
export function toWellFormedText(s: string): string {
  return s.replace(new RegExp(ILL_FORMED.source, "g"), "\ufffd");
}

export type JsonInputProblem = { problem: "ill_formed_text" | "too_deep"; path: (string | number)[] };

interface Visit {
  value: unknown;
  key: string | number | null;
  parent: Visit | null;
  depth: number;
  /** Under an opaque field: only the depth is checked. */
  opaque: boolean;
}

function pathOf(visit: Visit, lastKey?: string): (string | number)[] {
  const path: (string | number)[] = lastKey === undefined ? [] : [lastKey];
  for (let v: Visit | null = visit; v && v.key !== null; v = v.parent) path.unshift(v.key);
  return path;
}

/**
 * The first thing in `value` the API does not accept, with its path, or null. Iterative, and
 * a path is built only for the answer: a body nested a million levels deep must neither
 * overflow the stack nor cost quadratic time.
 */
export function findJsonInputProblem(value: unknown, maxDepth = MAX_JSON_DEPTH, opaqueFields: readonly string[] = []): JsonInputProblem | null {
  const stack: Visit[] = [{ value, key: null, parent: null, depth: 0, opaque: false }];
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const v = visit.value;
    if (typeof v === "string") {
      if (!visit.opaque && !isWellFormedText(v)) return { problem: "ill_formed_text", path: pathOf(visit) };
      continue;
    }
    if (typeof v !== "object" || v === null) continue;
    const depth = visit.depth + 1;
    if (depth > maxDepth) return { problem: "too_deep", path: pathOf(visit) };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: i, parent: visit, depth, opaque: visit.opaque });
      continue;
    }
    const entries = Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      if (!visit.opaque && !isWellFormedText(key)) return { problem: "ill_formed_text", path: pathOf(visit, key) };
      stack.push({ value: child, key, parent: visit, depth, opaque: visit.opaque || opaqueFields.includes(key) });
    }
  }
  return null;
}
