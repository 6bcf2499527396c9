import fc from "fast-check";
import { resolveRef, type OpenApiDocument, type SchemaNode } from "./openapi-walk";

/**
 * Values for the fuzz run, built from the OpenAPI schemas: plausible ones (so that requests
 * get past validation into the services) and hostile ones (what validation must refuse).
 */
export interface ValueWorld {
  doc: OpenApiDocument;
  /** Real ids by resource (the path segment before `{id}`): the caller's and another account's. */
  ids: Record<string, string[]>;
  receiverUrl: string;
  goodToken: string;
  cursors: string[];
  /** Unused magic-link tokens (the test replaces one once it is exchanged). */
  linkTokens: string[];
}

// Bodies are JSON text with markers, replaced when serialized by what JSON.stringify cannot make.
export const DEEP = (n: number, open: "[" | "{") => `§§DEEP${open}${n}§§`;
export const BAD_BYTES = (i: number) => `§§BAD${i}§§`;
export const INVALID_UTF8: readonly number[][] = [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xc0, 0xaf], [0xe2, 0x82], [0xfe, 0xfe, 0xff]];

const NASTY = [
  "", " ", "\u0000", "a\u0000b", "\ud800", "x\udfffy", "\u202e", "💩", "\ufeff", "' OR 1=1 --", "%00", "../../etc/passwd", "${jndi:ldap://x}",
  "<script>alert(1)</script>", "\r\nSet-Cookie: x=1", "null", "true", "-1", "1e309", "NaN", "__proto__", "constructor", "\\", '"',
];
export const nastyString = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), maxLength: 4 }),
);
export const hugeString = fc
  .tuple(fc.integer({ min: 1_000, max: 300_000 }), fc.constantFrom("x", "é", "💩", "\u0000", "\\"))
  .map(([n, c]) => c.repeat(n));
export const deepMarker = fc.tuple(fc.constantFrom(100, 1_000, 10_000, 50_000), fc.constantFrom("[" as const, "{" as const)).map(([n, o]) => DEEP(n, o));
export const badUtf8Marker = fc.nat(INVALID_UTF8.length - 1).map(BAD_BYTES);
export const wrongType = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(null), fc.integer(), fc.double(), fc.boolean(), fc.constant([]), fc.constant({}));

const BAD_DATES = [
  "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-01-01T25:61:61Z", "+275760-09-13T00:00:00.001Z", "-000001-01-01T00:00:00Z",
  "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "2026-01-01T00:00:00+99:99", "2026-01-01", "yesterday", "1700000000", "",
];
const goodDate = fc.date({ min: new Date(0), max: new Date("2100-01-01"), noInvalidDate: true }).map((d) => d.toISOString());

/**
 * One of the live ids of a resource (the test swaps in new ones as the fuzzer deletes some).
 * `<resource>:deletable`, where given, is the pool DELETE draws from.
 */
export const liveId = (world: ValueWorld, resource: string) =>
  fc.nat(999).map((i) => world.ids[resource]?.[i % world.ids[resource]!.length] ?? "x");

interface Hint {
  valid: fc.Arbitrary<unknown>;
  hostile: fc.Arbitrary<unknown>;
}

/** Plausible and hostile values by property name. */
function hint(world: ValueWorld, name: string | undefined): Hint | undefined {
  const of = (valid: fc.Arbitrary<unknown>, hostile: fc.Arbitrary<unknown>): Hint => ({ valid, hostile });
  switch (name) {
    case "url":
      return of(fc.constantFrom(world.receiverUrl, `${world.receiverUrl}?a=1`), fc.constantFrom("https://example.com/h", "http://127.0.0.1:1/x", "ftp://x", "javascript:alert(1)", "http://[::1", "https://u:p@example.com/"));
    case "token":
      return of(fc.nat(999).map((i) => world.linkTokens[i % world.linkTokens.length] ?? "x"), fc.oneof(nastyString, fc.constant(`hrpl_${"A".repeat(43)}`)));
    case "verifyToken":
    case "secret":
      return of(fc.constant(world.goodToken), fc.string({ maxLength: 300 }));
    case "eventTypes":
      return of(fc.subarray(["message.created", "chat.status_changed"], { minLength: 1 }), fc.array(fc.constantFrom("nope.nope", "", "x".repeat(101), "a b")));
    case "type":
    case "eventType":
      return of(fc.constantFrom("message.created", "chat.status_changed", "meta.message"), fc.constantFrom("invoice.nope", "Nope", "", "x".repeat(101)));
    case "dialect":
      return of(fc.constantFrom("meta", "standard-webhooks", "telegram", "oneroute", "oblic"), fc.constantFrom("custom", "slack", "wappcloud", "nope"));
    case "dialectOptions":
      // Only the custom dialect takes options; absent is what most webhooks send.
      return of(fc.constant(undefined), fc.oneof(fc.constant({ signatureHeader: "x-sig", algorithm: "sha256", encoding: "hex" }), fc.jsonValue({ maxDepth: 2 })));
    case "clientCertificate":
    case "clientKey":
      // Mutual TLS is for the few receivers that demand it: absent is what most webhooks send,
      // and a certificate must come with its key; a random one would make every body a 400.
      return of(fc.constant(undefined), fc.oneof(fc.constant(null), fc.constant("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), fc.string({ maxLength: 300 })));
    case "graceSeconds":
      return of(fc.integer({ min: 0, max: 604_800 }), fc.oneof(fc.integer(), fc.double(), fc.constant("60")));
    case "limit":
      return of(fc.integer({ min: 1, max: 100 }), fc.constantFrom(0, 101, -1, "abc", "1.5", "", "1e2", " 5", "99999999999999999999"));
    case "accountId":
      // The first account is the caller's own: the admin may name it, and so may its own key.
      return of(fc.constant(world.ids.accounts![0]!), fc.oneof(liveId(world, "accounts"), nastyString));
    case "idempotencyKey":
      // Mostly fresh, sometimes from a small set, so that replays and conflicts happen too.
      return of(fc.oneof({ arbitrary: fc.uuid(), weight: 4 }, { arbitrary: fc.integer({ min: 1, max: 20 }).map((n) => `k${n}`), weight: 1 }), fc.string({ maxLength: 250 }));
    case "cursor":
      return of(
        fc.constantFrom(...world.cursors),
        fc.oneof(fc.constantFrom("%%%", "e30", ""), fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v)).toString("base64url")), fc.base64String()),
      );
    case "from":
    case "to":
      return of(goodDate, fc.constantFrom(...BAD_DATES));
    default:
      return undefined;
  }
}

/**
 * A value for a schema. `hostile` mixes in values that break it; without, values aim to be
 * accepted (where the names above tell what accepted means).
 */
export function valueOf(world: ValueWorld, node: SchemaNode, name: string | undefined, hostile: boolean, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolveRef(world.doc, node);
  const mix = (valid: fc.Arbitrary<unknown>, bad: fc.Arbitrary<unknown>) => (hostile ? fc.oneof({ arbitrary: valid, weight: 3 }, { arbitrary: bad, weight: 2 }) : valid);
  const named = hint(world, name);
  if (named) return mix(named.valid, fc.oneof(named.hostile, nastyString));
  if (schema.enum) return mix(fc.constantFrom(...schema.enum), nastyString);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((a) => valueOf(world, a, name, hostile, depth)));
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  switch (type) {
    case "string":
      if (schema.format === "date-time") return mix(goodDate, fc.constantFrom(...BAD_DATES));
      return mix(plausibleString(schema), nastyString);
    case "integer":
    case "number":
      return mix(fc.integer({ min: schema.minimum ?? 0, max: Math.min(schema.maximum ?? 1e6, 1e6) }), fc.oneof(fc.integer(), fc.double()));
    case "boolean":
      return mix(fc.boolean(), wrongType);
    case "array":
      if (depth > 4 || !schema.items) return fc.constant([]);
      return fc.array(valueOf(world, schema.items, undefined, hostile, depth + 1), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 5, 5) });
    case "object":
      return objectOf(world, schema, hostile, depth);
    default:
      return fc.jsonValue({ maxDepth: 3 });
  }
}

const ALNUM = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789");

function plausibleString(schema: SchemaNode): fc.Arbitrary<unknown> {
  if (schema.example !== undefined) return fc.constant(schema.example);
  const minLength = Math.max(1, schema.minLength ?? 1);
  const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? 40, 40));
  if (schema.pattern) {
    const pattern = new RegExp(schema.pattern);
    return fc.stringMatching(pattern).filter((s) => s.length >= minLength && s.length <= (schema.maxLength ?? Infinity));
  }
  return fc.string({ unit: ALNUM, minLength, maxLength });
}

function objectOf(world: ValueWorld, schema: SchemaNode, hostile: boolean, depth: number): fc.Arbitrary<unknown> {
  if (depth > 4) return fc.constant({});
  const props = Object.entries(schema.properties ?? {});
  if (props.length === 0) return fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 });
  const shape = Object.fromEntries(props.map(([k, v]) => [k, valueOf(world, v, k, hostile, depth + 1)]));
  return fc.record(shape, { requiredKeys: schema.required ?? [] });
}
