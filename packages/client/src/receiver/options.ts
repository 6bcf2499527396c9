import { VERIFIERS } from "./dialects/registry";
import { standardKey } from "./dialects/standard-webhooks";
import { DIALECTS, type CustomDialectOptions, type DialectName, type DialectVerifier } from "./types";

export const DEFAULT_TOLERANCE_SECONDS = 300;

export interface CheckedOptions {
  dialect: DialectName;
  verifier: DialectVerifier;
  secrets: readonly string[];
  toleranceSeconds: number;
  dialectOptions?: CustomDialectOptions;
}

/**
 * Options are the receiver's own configuration, so a mistake in them is a bug and throws a
 * TypeError (at middleware creation, when it is built once); only what the request brings comes
 * back as a value.
 */
export function checkOptions(o: {
  dialect: DialectName;
  secret?: string | readonly string[];
  toleranceSeconds?: number;
  dialectOptions?: CustomDialectOptions;
}): CheckedOptions {
  if (!(DIALECTS as readonly string[]).includes(o.dialect)) {
    throw new TypeError(`unknown dialect ${JSON.stringify(o.dialect)}; one of ${DIALECTS.join(", ")}`);
  }
  const secrets = o.secret === undefined ? [] : typeof o.secret === "string" ? [o.secret] : [...o.secret];
  if (secrets.length === 0 || secrets.some((s) => typeof s !== "string" || s.length === 0)) {
    throw new TypeError("secret must be a non-empty string, or a non-empty array of them during a rotation");
  }
  if (o.dialect === "standard-webhooks" && secrets.some((s) => standardKey(s) === null)) {
    throw new TypeError('a standard-webhooks secret is "whsec_" followed by standard base64 (as hookrelay returned it)');
  }
  if (o.dialect === "custom") customOptionsProblem(o.dialectOptions);
  const toleranceSeconds = o.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) throw new TypeError("toleranceSeconds must be a number >= 0");
  return {
    dialect: o.dialect,
    verifier: VERIFIERS[o.dialect],
    secrets,
    toleranceSeconds,
    ...(o.dialectOptions ? { dialectOptions: o.dialectOptions } : {}),
  };
}

const CUSTOM_CHOICES = {
  algorithm: ["sha256", "sha512"],
  encoding: ["hex", "base64"],
  signedContent: ["body", "timestamp.body"],
  handshake: ["meta", "wappcloud", "slack", "none"],
} as const;

/** A misspelt option would otherwise verify nothing, silently: every delivery a bad_signature. */
function customOptionsProblem(options: CustomDialectOptions | undefined): void {
  if (typeof options?.signatureHeader !== "string" || options.signatureHeader === "") {
    throw new TypeError("the custom dialect needs dialectOptions (at least signatureHeader), as the webhook was registered with");
  }
  for (const [name, allowed] of Object.entries(CUSTOM_CHOICES)) {
    const value = (options as unknown as Record<string, unknown>)[name];
    if (value !== undefined && !(allowed as readonly unknown[]).includes(value)) {
      throw new TypeError(`dialectOptions.${name} must be one of ${allowed.join(", ")}`);
    }
  }
}

/** The body as bytes; a parsed object here would mean the raw bytes are already lost. */
export function bodyBytes(rawBody: unknown): Buffer {
  if (Buffer.isBuffer(rawBody)) return rawBody;
  if (rawBody instanceof Uint8Array) return Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength);
  if (typeof rawBody === "string") return Buffer.from(rawBody, "utf8");
  throw new TypeError(
    "rawBody must be the exact bytes received (Buffer, Uint8Array or string), not a parsed body: use express.raw() or the middleware, which reads the body itself",
  );
}
