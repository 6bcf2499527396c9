import fc from "fast-check";
import { gzipSync } from "node:zlib";
import { badUtf8Marker, deepMarker, hugeString, INVALID_UTF8, liveId, nastyString, valueOf, wrongType, type ValueWorld } from "./fuzz-values";
import { fillPath, type Operation } from "./openapi-walk";

/**
 * Hostile requests generated from the OpenAPI document. Each request is built plausible in
 * every part (path, query, body, headers), then at most one part is made hostile the ways
 * clients and attackers do: wrong types, huge strings, deep nesting, invalid UTF-8, unknown
 * fields, bad cursors and dates, oversize bodies, wrong content types, wrong or missing keys.
 * One part at a time, so that the hostile part is what the API has to deal with.
 */
export interface FuzzWorld extends ValueWorld {
  /** `portal`: a managing portal session of `own`'s account (the test replaces it after a sign-out). */
  keys: { own: string; other: string; admin: string; revoked: string; portal: string };
  /** The largest body an operation accepts. */
  bodyLimit(op: Operation): number;
}

export interface FuzzRequest {
  op: Operation;
  method: string;
  /** Exactly the bytes of the request target (already percent-encoded, or deliberately not). */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Sent without Content-Length, in chunks. */
  chunked: boolean;
  /** What was done to the request, for the failure message. */
  mutation: string;
}

type Part = "none" | "path" | "query" | "body" | "headers";

/** Percent-encoding, except that a lone surrogate becomes its (invalid) UTF-8 bytes. */
function encode(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return "%ED%A0%80";
  }
}

/** `arb`'s value with probability `p`, otherwise null. */
function sometimes<T>(arb: fc.Arbitrary<T>, p: number): fc.Arbitrary<T | null> {
  const weight = Math.round(p * 100);
  return fc.oneof({ arbitrary: arb, weight }, { arbitrary: fc.constant(null), weight: 100 - weight });
}

const brokenEncoding = fc.constantFrom("%", "%ZZ", "%FF", "%C3%28", "%00", "%ED%A0%80", "+", "\xff", "%2F");

function pathOf(world: FuzzWorld, op: Operation, hostile: boolean): fc.Arbitrary<string> {
  const segment = op.path.split("/")[2] ?? "";
  const resource = op.method === "delete" && world.ids[`${segment}:deletable`] ? `${segment}:deletable` : segment;
  const bad = fc.oneof(
    fc.oneof(nastyString, fc.string({ maxLength: 100 })).map((s) => encode(s) || "x"),
    fc.tuple(liveId(world, resource), brokenEncoding).map(([id, b]) => id + b),
    fc.constantFrom(".", "..", "%2E%2E", "%", "%FF", "x".repeat(65), "x".repeat(5_000)),
  );
  const param = hostile ? bad : liveId(world, resource);
  // A second parameter names its own pool (`keyId` in /v1/accounts/{id}/api-keys/{keyId}/…).
  const paramOf = (name: string) => (!hostile && name !== "id" && world.ids[name] ? liveId(world, name) : param);
  return fc.record(Object.fromEntries(op.pathParams.map((p) => [p.name, paramOf(p.name)]))).map((values) => fillPath(op.path, values as Record<string, string>));
}

function queryOf(world: FuzzWorld, op: Operation, hostile: boolean): fc.Arbitrary<string> {
  const pairs = op.queryParams.map((p) => {
    const value = valueOf(world, p.schema, p.name, hostile).map((v) => (typeof v === "string" ? v : JSON.stringify(v) ?? ""));
    const encoded = hostile ? fc.tuple(value, sometimes(brokenEncoding, 0.3)).map(([v, b]) => encode(v) + (b ?? "")) : value.map(encode);
    return sometimes(encoded.map((e) => `${p.name}=${e}`), 0.5);
  });
  const extra = hostile
    ? sometimes(fc.constantFrom("unknown=1", "limit=1&limit=2", "limit", "=", "&&", "cursor[]=x", "a=%", "__proto__=1", "%FF=1", "%00=1"), 0.5)
    : fc.constant(null);
  return fc.tuple(fc.tuple(...pairs), extra).map(([ps, x]) => {
    const parts = [...ps, x].filter((p): p is string => p !== null);
    return parts.length ? `?${parts.join("&")}` : "";
  });
}

/** Replaces the n-th node (depth first) of a JSON value; n wraps around. */
function replaceNth(value: unknown, n: number, replacement: unknown): unknown {
  const nodes: { parent: Record<string | number, unknown>; key: string | number }[] = [];
  const walk = (v: unknown) => {
    if (v && typeof v === "object") {
      for (const [k, child] of Object.entries(v)) {
        nodes.push({ parent: v as Record<string, unknown>, key: Array.isArray(v) ? Number(k) : k });
        walk(child);
      }
    }
  };
  const copy: unknown = JSON.parse(JSON.stringify(value ?? null));
  walk(copy);
  if (nodes.length === 0) return replacement;
  const { parent, key } = nodes[n % nodes.length]!;
  parent[key] = replacement;
  return copy;
}

function serialize(value: unknown): Buffer {
  const text = JSON.stringify(value) ?? "null";
  const parts = text.split(/"§§(DEEP[[{]\d+|BAD\d+)§§"/);
  return Buffer.concat(
    parts.map((part, i) => {
      if (i % 2 === 0) return Buffer.from(part, "utf8");
      const deep = /^DEEP([[{])(\d+)$/.exec(part);
      if (deep) {
        const n = Number(deep[2]);
        return Buffer.from(deep[1] === "[" ? "[".repeat(n) + "]".repeat(n) : '{"a":'.repeat(n) + "1" + "}".repeat(n));
      }
      return Buffer.concat([Buffer.from('"x'), Buffer.from(INVALID_UTF8[Number(part.slice(3))]!), Buffer.from('y"')]);
    }),
  );
}

interface Body {
  body?: Buffer;
  /** Headers the body needs (Content-Encoding). */
  headers?: Record<string, string>;
  mutation: string;
}

const GZIP_BOMB = gzipSync(Buffer.from(`{"a":"${"0".repeat(20 * 2 ** 20)}"}`));

function bodyOf(world: FuzzWorld, op: Operation, hostile: boolean): fc.Arbitrary<Body> {
  const valid = op.body ? valueOf(world, op.body, undefined, false) : fc.constant(undefined);
  const plain = valid.map((v): Body => ({ body: v === undefined ? undefined : serialize(v), mutation: "plausible body" }));
  if (!hostile) return plain;
  const replaced = (label: string, replacement: fc.Arbitrary<unknown>) =>
    fc.tuple(valid, fc.nat(), replacement).map(([v, n, r]): Body => ({ body: serialize(replaceNth(v, n, r)), mutation: label }));
  const whole = (label: string, arb: fc.Arbitrary<unknown>) => arb.map((v): Body => ({ body: serialize(v), mutation: label }));
  const raw = (label: string, arb: fc.Arbitrary<string>) => arb.map((t): Body => ({ body: Buffer.from(t), mutation: label }));
  return fc.oneof(
    replaced("a field of the wrong type", wrongType),
    replaced("a nasty string", nastyString),
    replaced("a huge string", hugeString),
    replaced("deep nesting", deepMarker),
    replaced("invalid UTF-8", badUtf8Marker),
    replaced("a field schema-shaped but hostile", op.body ? valueOf(world, op.body, undefined, true) : wrongType),
    fc.tuple(valid, fc.dictionary(nastyString, wrongType, { minKeys: 1, maxKeys: 3 })).map(([v, extra]): Body => ({
      body: serialize(v && typeof v === "object" && !Array.isArray(v) ? { ...v, ...extra } : extra),
      mutation: "unknown fields",
    })),
    whole("the whole body replaced", fc.oneof(wrongType, deepMarker, badUtf8Marker)),
    raw("broken JSON", fc.constantFrom("{", '{"a":', "[1,]", "{'a':1}", "\ufeff{}", "nul", "{}}", '{"a":1e99999}', "\u0000", '{"a":"\\ud800"}', '{"__proto__":{"x":1}}')),
    fc.constant(null).map((): Body => ({ body: Buffer.from(`{"a":"${"x".repeat(world.bodyLimit(op))}"}`), mutation: "an oversize body" })),
    valid.map((v): Body => ({ body: gzipSync(serialize(v)), headers: { "content-encoding": "gzip" }, mutation: "a gzipped body" })),
    fc.constant(null).map((): Body => ({ body: GZIP_BOMB, headers: { "content-encoding": "gzip" }, mutation: "a gzip bomb (20 MB inflated)" })),
    fc.tuple(valid, fc.constantFrom("gzip", "deflate", "br", "x-nope", "gzip, gzip")).map(([v, enc]): Body => ({
      body: serialize(v),
      headers: { "content-encoding": enc },
      mutation: `a plain body labelled ${enc}`,
    })),
  );
}

const CONTENT_TYPES = [
  "application/json; charset=utf-8", "application/vnd.api+json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
  "application/json; charset=latin1", "application/json; charset=utf-16", "", "*/*", "a/b/c;;;", "application/json; charset=\xff",
];

interface Headers {
  headers: Record<string, string>;
  mutation: string;
}

/** The routes of a signed-in portal session itself, which take its token and nothing else. */
const isPortalSessionRoute = (op: Operation) => op.path === "/v1/portal/session";

function headersOf(world: FuzzWorld, op: Operation, hostile: boolean): fc.Arbitrary<Headers> {
  const bearer = (k: string) => `Bearer ${k}`;
  // Admin routes answer 403 to an account key, account routes to the admin key: both get a share.
  // Read lazily: the portal token changes after a sign-out.
  const portal = fc.constant(null).map(() => bearer(world.keys.portal));
  // Admin-only routes (a key needed, no scope, closed to portals) mostly get the admin key, or
  // the few of them with two ids (a key of an account) would rarely be reached at all.
  const adminOnly = op.secured && op.requiredScope === undefined;
  const goodAuth = isPortalSessionRoute(op)
    ? portal
    : fc.oneof(
        { arbitrary: fc.constant(bearer(world.keys.own)), weight: adminOnly ? 1 : 3 },
        { arbitrary: fc.constant(bearer(world.keys.admin)), weight: adminOnly ? 3 : 1 },
        { arbitrary: portal, weight: 1 },
      );
  const badAuth = fc.constantFrom(
    undefined, "", "Bearer", "Basic dXNlcjpwYXNz", bearer(world.keys.other), bearer(world.keys.revoked), bearer(`hr_AAAAAAAAAAAA_${"A".repeat(43)}`),
    bearer("\xff\xfe"), bearer("x".repeat(8_000)), "Bearer a b", `bearer   ${world.keys.own}  `,
  );
  const requestId = fc.oneof(fc.string({ maxLength: 300 }), fc.constant("\xff".repeat(200))).map((s) => s.replace(/[^\t\x20-\x7e\x80-\xff]/g, "?"));
  const build = fc.record({
    auth: hostile ? fc.oneof(goodAuth, badAuth) : goodAuth,
    contentType: hostile ? fc.constantFrom(...CONTENT_TYPES) : fc.constant("application/json"),
    requestId: hostile ? sometimes(requestId, 0.5) : fc.constant(null),
  });
  return build.map(({ auth, contentType, requestId: rid }) => {
    const headers: Record<string, string> = {};
    if (auth !== undefined) headers.authorization = auth;
    if (contentType) headers["content-type"] = contentType;
    if (rid !== null) headers["x-request-id"] = rid;
    return { headers, mutation: `auth ${auth === undefined ? "none" : JSON.stringify(auth.slice(0, 24))}, content-type ${JSON.stringify(contentType)}` };
  });
}

export function fuzzRequest(world: FuzzWorld, ops: Operation[]): fc.Arbitrary<FuzzRequest> {
  const part = fc.oneof(
    { arbitrary: fc.constant<Part>("none"), weight: 3 },
    { arbitrary: fc.constantFrom<Part>("path", "query", "body", "body", "headers"), weight: 5 },
  );
  return fc.tuple(fc.constantFrom(...ops), part).chain(([op, hostile]) =>
    fc
      .record({
        path: pathOf(world, op, hostile === "path"),
        query: queryOf(world, op, hostile === "query"),
        body: bodyOf(world, op, hostile === "body"),
        headers: headersOf(world, op, hostile === "headers"),
        // Now and then a body where the document has none, or none where it has one.
        misplaced: sometimes(fc.oneof(bodyOf(world, op, true), fc.constant<Body>({ mutation: "no body" })), 0.1),
        chunked: hostile === "headers" ? fc.boolean() : fc.constant(false),
      })
      .map(({ path, query, body, headers, misplaced, chunked }) => {
        const b = misplaced ?? (op.body ? body : { mutation: "no body" });
        const req: FuzzRequest = {
          op,
          method: op.method.toUpperCase(),
          path: path + query,
          headers: b.body ? { ...headers.headers, ...b.headers } : Object.fromEntries(Object.entries(headers.headers).filter(([k]) => k !== "content-type")),
          body: b.body,
          chunked: chunked && b.body !== undefined,
          mutation: `hostile ${hostile}; ${b.mutation}; ${headers.mutation}${chunked ? "; chunked" : ""}`,
        };
        // What fast-check prints for a counterexample.
        return Object.assign(req, { [fc.toStringMethod]: () => describeRequest(req) });
      }),
  );
}

/** A request (and its answer) as a reader needs it to reproduce by hand. */
export function describeRequest(req: FuzzRequest, answer?: { status: number; contentType: string; body: Buffer }): string {
  const body = req.body ? req.body.subarray(0, 300).toString("latin1") + (req.body.length > 300 ? `… (${req.body.length} bytes)` : "") : "(none)";
  return [
    `${req.method} ${req.path.slice(0, 300)}  [operation ${req.op.label}]`,
    `headers: ${JSON.stringify(req.headers).slice(0, 300)}`,
    `mutation: ${req.mutation}`,
    `body: ${body}`,
    ...(answer ? [`answer: ${answer.status} ${answer.contentType} ${answer.body.subarray(0, 500).toString()}`] : []),
  ].join("\n");
}
