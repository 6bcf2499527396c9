import { createHmac } from "node:crypto";
import { renderEnvelope } from "../events/envelope";
import { z } from "../lib/zod";
import { printableSecretProblem, randomPrintableSecret } from "./secrets";
import type { Dialect, DialectContext, HandshakeStyle } from "./types";

/** RFC 9110 `token`: what a header name may be made of. */
const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_NAME_MAX = 64;
const PREFIX_MAX = 32;
export const DEFAULT_TIMESTAMP_HEADER = "x-webhook-timestamp";

/**
 * Headers the sender or the HTTP layer owns. A signature written into one of them would either
 * be overwritten or corrupt the request, so a customer cannot choose them. `x-webhook-*` is
 * hookrelay's own namespace (event, id, attempt), except that the timestamp header defaults
 * to `x-webhook-timestamp`.
 */
const RESERVED_HEADERS = new Set([
  "content-type",
  "content-length",
  "content-encoding",
  "transfer-encoding",
  "user-agent",
  "host",
  "connection",
  "keep-alive",
  "te",
  "trailer",
  "upgrade",
  "expect",
  "accept",
  "accept-encoding",
  "authorization",
  "proxy-authorization",
  "cookie",
]);

function reservedHeaderProblem(name: string, allowed: string[] = []): string | null {
  if (allowed.includes(name)) return null;
  if (RESERVED_HEADERS.has(name)) return `"${name}" is set by hookrelay or the HTTP layer; choose another header`;
  if (name.startsWith("x-webhook-")) return `"x-webhook-*" headers are hookrelay's own; choose another header (for example "x-acme-signature")`;
  return null;
}

/** Header names compared and sent lowercase: HTTP header names are case-insensitive. */
const HeaderName = z
  .string({ error: "must be a header name" })
  .min(1, { error: "must not be empty", abort: true })
  .max(HEADER_NAME_MAX, `must be at most ${HEADER_NAME_MAX} characters`)
  .regex(HTTP_TOKEN, "must be a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~, no spaces or colons)")
  .toLowerCase();

const HANDSHAKES = ["meta", "wappcloud", "slack", "none"] as const satisfies readonly HandshakeStyle[];

const oneOf = (values: readonly string[]) => () => `must be one of ${values.map((v) => `"${v}"`).join(", ")}`;

/**
 * The custom dialect's options: which header carries the signature, and how it is computed.
 * Checked when a webhook is registered; stored normalized (header names lowercase, defaults
 * filled in, the timestamp header present exactly when the timestamp is signed).
 */
export const CustomDialectOptions = z
  .strictObject(
    {
      signatureHeader: HeaderName.openapi({ description: "Header carrying the signature.", example: "x-acme-signature" }),
      algorithm: z
        .enum(["sha256", "sha512"], { error: oneOf(["sha256", "sha512"]) })
        .default("sha256")
        .openapi({ description: "HMAC hash function." }),
      encoding: z
        .enum(["hex", "base64"], { error: oneOf(["hex", "base64"]) })
        .default("hex")
        .openapi({ description: "How the HMAC digest is written: lowercase hex or standard base64 with padding." }),
      prefix: z
        .string({ error: "must be a string" })
        .max(PREFIX_MAX, `must be at most ${PREFIX_MAX} characters`)
        .regex(/^[\x21-\x7e]*$/, "must be printable ASCII without spaces")
        .default("")
        .openapi({ description: "Written before the digest, e.g. `sha256=`.", example: "sha256=" }),
      signedContent: z
        .enum(["body", "timestamp.body"], { error: oneOf(["body", "timestamp.body"]) })
        .default("body")
        .openapi({
          description: "`body`: the raw body bytes. `timestamp.body`: `<unix seconds>.<raw body>`, the seconds also sent in `timestampHeader`.",
        }),
      timestampHeader: HeaderName.optional().openapi({
        description: `Only with signedContent "timestamp.body": the header carrying the signed unix seconds (default "${DEFAULT_TIMESTAMP_HEADER}").`,
      }),
      handshake: z
        .enum(HANDSHAKES, { error: oneOf(HANDSHAKES) })
        .default("none")
        .openapi({
          description: "How ownership of the URL is proved at registration: as the meta, wappcloud or slack dialect does, or not at all. meta and slack need the secret in the handshake, so it must be supplied as verifyToken.",
        }),
    },
    {
      error: (iss) => {
        if (iss.code === "unrecognized_keys") return `unknown option${iss.keys.length > 1 ? "s" : ""}: ${iss.keys.join(", ")}`;
        if (iss.code === "invalid_type" && iss.input === undefined) return "the custom dialect needs options: at least signatureHeader";
        if (iss.code === "invalid_type") return "must be an object";
        return undefined;
      },
    },
  )
  .superRefine((o, ctx) => {
    const signatureProblem = reservedHeaderProblem(o.signatureHeader);
    if (signatureProblem) ctx.addIssue({ code: "custom", path: ["signatureHeader"], message: signatureProblem });
    if (o.timestampHeader === undefined) return;
    if (o.signedContent !== "timestamp.body") {
      ctx.addIssue({ code: "custom", path: ["timestampHeader"], message: 'only used with signedContent "timestamp.body"' });
      return;
    }
    const timestampProblem = reservedHeaderProblem(o.timestampHeader, [DEFAULT_TIMESTAMP_HEADER]);
    if (timestampProblem) ctx.addIssue({ code: "custom", path: ["timestampHeader"], message: timestampProblem });
    if (o.timestampHeader === o.signatureHeader) ctx.addIssue({ code: "custom", path: ["timestampHeader"], message: "must differ from signatureHeader" });
  })
  .transform(({ timestampHeader, ...o }) =>
    o.signedContent === "timestamp.body" ? { ...o, timestampHeader: timestampHeader ?? DEFAULT_TIMESTAMP_HEADER } : o,
  )
  .openapi("CustomDialectOptions", { description: "Options of the custom dialect: how deliveries are signed and how ownership is proved." });

export type CustomDialectOptions = z.output<typeof CustomDialectOptions>;

/** The handshakes that send the secret to the endpoint, which must therefore know it already. */
const HANDSHAKES_NEEDING_SECRET: readonly HandshakeStyle[] = ["meta", "slack"];

/**
 * A receiver's own scheme, described by options: one HMAC header over the raw body (or
 * `<timestamp>.<body>`), the generic envelope, and one of the known handshakes. One signature
 * only: during a rotation the old secret signs until the grace period ends.
 */
export function customDialect({ minSecretLength, options }: DialectContext): Dialect {
  const parsed = CustomDialectOptions.safeParse(options);
  // Options are checked before they are stored; a stored set that fails is data corruption.
  if (!parsed.success) throw new Error(`stored custom dialect options are invalid: ${parsed.error.message}`);
  const o = parsed.data;
  const needsCustomerSecret = HANDSHAKES_NEEDING_SECRET.includes(o.handshake);
  return {
    name: "custom",
    handshake: o.handshake,
    render: ({ event }) => renderEnvelope(event),
    sign: ({ body, secrets, now }) => {
      if (!("timestampHeader" in o)) return { [o.signatureHeader]: customSignature(o, secrets[0]!, body) };
      const timestamp = String(Math.floor(now.getTime() / 1000));
      return {
        [o.signatureHeader]: customSignature(o, secrets[0]!, `${timestamp}.${body}`),
        [o.timestampHeader]: timestamp,
      };
    },
    secretHeaders: [o.signatureHeader],
    multiSignature: false,
    secret: {
      generate: () => (needsCustomerSecret ? null : randomPrintableSecret()),
      problem: (s) => printableSecretProblem(s, minSecretLength),
    },
  };
}

/** The header value for `signed` (the body, or `<timestamp>.<body>`) under these options. */
export function customSignature(o: Pick<CustomDialectOptions, "algorithm" | "encoding" | "prefix">, secret: string, signed: string): string {
  return o.prefix + createHmac(o.algorithm, secret).update(signed, "utf8").digest(o.encoding);
}

/** What a receiver must do to verify this dialect (README and OpenAPI). */
export const customGuide =
  "custom: deliveries carry the generic envelope and one signature header as configured in dialectOptions: `signatureHeader` holds `prefix` + the HMAC (`algorithm` sha256 or sha512, keyed with the webhook's secret as UTF-8) of the raw body, or with signedContent \"timestamp.body\" of `<timestampHeader value>.<raw body>`, written as lowercase hex or padded base64 (`encoding`); recompute it over the exact bytes received, compare in constant time, and with a timestamp reject values too far from your clock. The handshake at registration is the one named in `handshake` (meta, wappcloud, slack or none).";
