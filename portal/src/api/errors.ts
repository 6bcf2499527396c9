/**
 * Every failed call surfaces as an ApiError: the API's error body mapped to a type, or a
 * network failure (status 0). Field errors are keyed by the form field's name: the API's
 * `body.url` and `body.eventTypes.0` become `url` and `eventTypes`. `details` is the API's
 * `error.details` as sent (unknown until a reader checks it, e.g. a failed handshake's reason).
 */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fieldErrors: Readonly<Record<string, string>> = {},
    readonly details: unknown = null,
  ) {
    super(message);
  }
}

interface ErrorBodyShape {
  error?: { code?: unknown; message?: unknown; details?: { issues?: { field?: unknown; message?: unknown }[] } & Record<string, unknown> };
}

export function fieldErrorsOf(details: unknown): Record<string, string> {
  const issues = (details as ErrorBodyShape["error"] & object)?.details?.issues;
  const out: Record<string, string> = {};
  if (!Array.isArray(issues)) return out;
  for (const issue of issues) {
    if (typeof issue?.field !== "string" || typeof issue.message !== "string") continue;
    const [, name] = issue.field.split(".");
    const key = name ?? issue.field;
    out[key] ??= issue.message;
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
