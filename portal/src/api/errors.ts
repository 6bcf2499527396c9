/**
 * Every failed call surfaces as an ApiError: the API's error body mapped to a type, or a
 * network failure (status 0). Field errors are keyed by the form field's name: the API's
 * `body.url` and `body.eventTypes.0` become `url` and `eventTypes`, each keeping the whole
 * issue (code and params) so the page can word it in the viewer's language. `details` is the
 * API's `error.details` as sent (unknown until a reader checks it, e.g. a failed handshake's reason).
 */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fieldErrors: Readonly<Record<string, FieldIssue>> = {},
    readonly details: unknown = null,
  ) {
    super(message);
  }
}

/** A value in an issue's `params` (src/http/errors.ts `IssueParams`): limits, a format, a reason, never the input. */
export type IssueParam = string | number | boolean | string[];

/** One issue of a 400 `validation_failed`, as the API sends it: English `message`, zod's `code`, and `params` where there are some. */
export interface FieldIssue {
  field: string;
  message: string;
  code: string;
  params?: Readonly<Record<string, IssueParam>>;
}

interface ErrorBodyShape {
  error?: { code?: unknown; message?: unknown; details?: { issues?: unknown } & Record<string, unknown> };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isParam = (v: unknown): v is IssueParam =>
  ["string", "number", "boolean"].includes(typeof v) || (Array.isArray(v) && v.every((x) => typeof x === "string"));

/** An issue as sent, with the params of a shape this portal reads (others dropped); null when it has no field or message. */
function readIssue(raw: unknown): FieldIssue | null {
  if (!isObject(raw) || typeof raw.field !== "string" || typeof raw.message !== "string") return null;
  const code = typeof raw.code === "string" ? raw.code : "";
  const params = isObject(raw.params) ? Object.fromEntries(Object.entries(raw.params).filter(([, v]) => isParam(v))) : undefined;
  return { field: raw.field, message: raw.message, code, ...(params ? { params: params as Record<string, IssueParam> } : {}) };
}

export function fieldErrorsOf(details: unknown): Record<string, FieldIssue> {
  const issues = (details as ErrorBodyShape["error"] & object)?.details?.issues;
  const out: Record<string, FieldIssue> = {};
  if (!Array.isArray(issues)) return out;
  for (const raw of issues) {
    const issue = readIssue(raw);
    if (!issue) continue;
    const [, name] = issue.field.split(".");
    const key = name ?? issue.field;
    out[key] ??= issue;
  }
  return out;
}

export function toApiError(status: number, body: unknown): ApiError {
  const error = (body as ErrorBodyShape | null)?.error;
  const code = typeof error?.code === "string" ? error.code : `http_${status}`;
  const message = typeof error?.message === "string" ? error.message : "";
  return new ApiError(status, code, message, fieldErrorsOf(error), error?.details ?? null);
}

export const NETWORK_ERROR = "network_error";

export function networkError(): ApiError {
  return new ApiError(0, NETWORK_ERROR, "");
}
