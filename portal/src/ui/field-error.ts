import type { FieldIssue } from "../api/errors";
import type { MessageKey } from "../i18n/en";
import type { Formatters } from "../i18n/format";
import type { Translate } from "../i18n/translate";
import { addressKindKey } from "../webhooks/handshake-failure";

/**
 * A field error of a 400 `validation_failed` in the viewer's language, from the issue's zod
 * `code` and `params` (src/http/errors.ts `validationError`) and, for the URL check, its
 * `params.reason` (src/webhooks/url-policy.ts). What those do not pin down (a service's own
 * check, a pattern on a field the portal has no words for, a code it does not know) stays the
 * server's English, flagged so the page can isolate it from its own script.
 */
export interface FieldErrorText {
  text: string;
  /** True when `text` is the server's message, not the catalog's. */
  fromServer: boolean;
}

type Fmt = Pick<Formatters, "number" | "orList">;
type Params = NonNullable<FieldIssue["params"]>;

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown) => (typeof v === "string" ? v : undefined);

/** Fields whose pattern the portal can say in words: the secret's alphabet (src/webhooks/verify-token.ts), an event type name. */
const PATTERN_BY_FIELD: Readonly<Record<string, MessageKey>> = {
  "body.verifyToken": "field.printableAscii",
  "body.secret": "field.printableAscii",
  "body.eventTypes": "field.eventTypeName",
};

/** A field's own check (a zod refine: code `custom`, no params) that the portal can say in words. */
const CUSTOM_BY_FIELD: Readonly<Record<string, MessageKey>> = {
  // POST /v1/webhooks/:id/replay: until must come after since (src/replay/schemas.ts).
  "body.until": "field.afterSince",
};

const FORMAT: Readonly<Record<string, MessageKey>> = {
  datetime: "field.datetime",
  date: "field.date",
  url: "field.url",
  email: "field.email",
};

const EXPECTED: Readonly<Record<string, MessageKey>> = {
  string: "field.expectedString",
  number: "field.expectedNumber",
  int: "field.expectedNumber",
  boolean: "field.expectedBoolean",
  array: "field.expectedList",
  object: "field.expectedObject",
};

/** `body.eventTypes.3` → `body.eventTypes`: a list's items share their list's words. */
const fieldOf = (issue: FieldIssue) => issue.field.replace(/(\.\d+)+$/, "");

function tooSmall(p: Params, t: Translate, fmt: Fmt): string | null {
  const minimum = num(p.minimum);
  if (minimum === undefined) return null;
  switch (p.origin) {
    case "string":
      return minimum <= 1 ? t("field.empty") : t("field.minLength", { minimum: fmt.number(minimum) });
    case "array":
    case "set":
      return minimum <= 1 ? t("field.pickOne") : t("field.minItems", { minimum: fmt.number(minimum) });
    case "number":
      return t("field.minNumber", { minimum: fmt.number(minimum) });
    default:
      return null;
  }
}

function tooBig(p: Params, t: Translate, fmt: Fmt): string | null {
  const maximum = num(p.maximum);
  if (maximum === undefined) return null;
  switch (p.origin) {
    case "string":
      return t("field.maxLength", { maximum: fmt.number(maximum) });
    case "array":
    case "set":
      return t("field.maxItems", { maximum: fmt.number(maximum) });
    case "number":
      return t("field.maxNumber", { maximum: fmt.number(maximum) });
    default:
      return null;
  }
}

/** The URL check's refusals (src/webhooks/url-policy.ts `UrlRefusal`). */
function urlRefusal(p: Params, t: Translate, fmt: Fmt): string | null {
  switch (p.reason) {
    case "too_long": {
      const maximum = num(p.maximum);
      return maximum === undefined ? null : t("field.maxLength", { maximum: fmt.number(maximum) });
    }
    case "not_absolute":
      return t("field.urlNotAbsolute");
    case "scheme":
      return p.httpAllowed === true ? t("field.urlSchemeHttp") : t("field.urlScheme");
    case "credentials":
      return t("field.urlCredentials");
    case "fragment":
      return t("field.urlFragment");
    case "no_host":
      return t("field.urlNoHost");
    case "internal_address": {
      const address = str(p.address);
      const range = str(p.range);
      const kind = addressKindKey(str(p.addressKind));
      if (!address) return t("field.urlInternalNoAddress");
      return kind ? t("field.urlInternal", { address, kind: t(kind), range: range ?? address }) : t("field.urlInternalNoKind", { address });
    }
    default:
      return null;
  }
}

function localized(issue: FieldIssue, t: Translate, fmt: Fmt): string | null {
  const p = issue.params ?? {};
  switch (issue.code) {
    case "too_small":
      return tooSmall(p, t, fmt);
    case "too_big":
      return tooBig(p, t, fmt);
    case "invalid_type": {
      if (p.missing === true) return t("field.required");
      const expected = str(p.expected);
      return expected && Object.hasOwn(EXPECTED, expected) ? t(EXPECTED[expected]!) : null;
    }
    case "invalid_format": {
      const format = str(p.format);
      const field = fieldOf(issue);
      if (format === "regex") return Object.hasOwn(PATTERN_BY_FIELD, field) ? t(PATTERN_BY_FIELD[field]!) : null;
      return format && Object.hasOwn(FORMAT, format) ? t(FORMAT[format]!) : null;
    }
    case "invalid_value": {
      const values = Array.isArray(p.values) ? p.values : [];
      return values.length > 0 ? t("field.oneOf", { values: fmt.orList(values) }) : null;
    }
    case "unrecognized_keys":
      return t("field.unknown");
    case "custom": {
      const field = fieldOf(issue);
      return urlRefusal(p, t, fmt) ?? (Object.hasOwn(CUSTOM_BY_FIELD, field) ? t(CUSTOM_BY_FIELD[field]!) : null);
    }
    default:
      return null;
  }
}

/** The issue in the viewer's language, or the server's own message when the portal has no words for it. */
export function readFieldError(issue: FieldIssue, { t, fmt }: { t: Translate; fmt: Fmt }): FieldErrorText {
  const text = localized(issue, t, fmt);
  return text === null ? { text: issue.message, fromServer: true } : { text, fromServer: false };
}

/** {@link readFieldError}'s text alone. */
export function fieldErrorText(issue: FieldIssue, i18n: { t: Translate; fmt: Fmt }): string {
  return readFieldError(issue, i18n).text;
}

/** Every field error of a 400, worded, keyed by the form field; none for any other error. */
export function fieldErrorTexts(error: { status: number; fieldErrors: Readonly<Record<string, FieldIssue>> } | null | undefined, i18n: { t: Translate; fmt: Fmt }): Record<string, FieldErrorText> {
  if (error?.status !== 400) return {};
  return Object.fromEntries(Object.entries(error.fieldErrors).map(([name, issue]) => [name, readFieldError(issue, i18n)]));
}
