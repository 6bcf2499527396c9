import { parseRetryAfterMs } from "./retry";

/** One field the API refused, as `error.details.issues` lists it. */
export interface Issue {
  field: string;
  message: string;
  code: string;
  /** Limits, the expected format, a reason: enough to word the issue in another language. */
  params?: Record<string, unknown>;
}

/**
 * Every failure of an SDK call: an answer in the API's one error format
 * (`{"error": {"code", "message", "details"?}}`), or no answer at all (`NetworkError`).
 * `name` is set explicitly so it survives bundlers and structured logging.
 */
export class HookrelayError extends Error {
  /** The HTTP status; 0 when there was no answer. */
  readonly status: number;
  readonly code: string;
  /** Field issues of a 400 (`details.issues`); empty otherwise. */
  readonly issues: Issue[];
  readonly details: unknown;
  /** The API's `X-Request-Id`: quote it when asking for help. */
  readonly requestId: string | null;
  /** From `Retry-After` (seconds, rounded up), when the answer had one. */
  readonly retryAfterSeconds: number | null;

  constructor(init: { status: number; code: string; message: string; details?: unknown; requestId?: string | null; retryAfterSeconds?: number | null; cause?: unknown }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "HookrelayError";
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
    this.issues = issuesOf(init.details);
    this.requestId = init.requestId ?? null;
    this.retryAfterSeconds = init.retryAfterSeconds ?? null;
  }
}

export class ValidationError extends HookrelayError {
  override readonly name = "ValidationError";
}
export class AuthenticationError extends HookrelayError {
  override readonly name = "AuthenticationError";
}
export class PermissionError extends HookrelayError {
  override readonly name = "PermissionError";
}
export class NotFoundError extends HookrelayError {
  override readonly name = "NotFoundError";
}
export class ConflictError extends HookrelayError {
  override readonly name = "ConflictError";
}
/** 413: from the API, or raised by the SDK before sending an event no batch request could carry. */
export class PayloadTooLargeError extends HookrelayError {
  override readonly name = "PayloadTooLargeError";
}
export class UnprocessableError extends HookrelayError {
  override readonly name = "UnprocessableError";
}
export class RateLimitError extends HookrelayError {
  override readonly name = "RateLimitError";
}
export class ServiceUnavailableError extends HookrelayError {
  override readonly name = "ServiceUnavailableError";
}

/**
 * No answer: the connection failed, or the per-request timeout passed (`timedOut`). The request
 * may or may not have reached the API; a keyed emit can be repeated safely.
 */
export class NetworkError extends HookrelayError {
  override readonly name = "NetworkError";
  readonly timedOut: boolean;
  constructor(message: string, opts: { timedOut?: boolean; cause?: unknown } = {}) {
    super({ status: 0, code: "network_error", message, cause: opts.cause });
    this.timedOut = opts.timedOut ?? false;
  }
}

export function isHookrelayError(err: unknown): err is HookrelayError {
  return err instanceof HookrelayError;
}

const BY_STATUS: Record<number, typeof HookrelayError> = {
  400: ValidationError,
  401: AuthenticationError,
  403: PermissionError,
  404: NotFoundError,
  409: ConflictError,
  413: PayloadTooLargeError,
  422: UnprocessableError,
  429: RateLimitError,
  503: ServiceUnavailableError,
};

/**
 * The error for a non-2xx answer. `body` is what openapi-fetch read: the parsed JSON, or the
 * text when it was not JSON (a proxy's HTML page), or undefined when empty.
 */
export function errorFromResponse(response: Response, body: unknown, now: number = Date.now()): HookrelayError {
  const error = isErrorBody(body) ? body.error : null;
  const retryAfterMs = parseRetryAfterMs(response.headers.get("retry-after"), now);
  const Class = BY_STATUS[response.status] ?? HookrelayError;
  return new Class({
    status: response.status,
    code: error?.code ?? `http_${response.status}`,
    message: error?.message ?? `the API answered ${response.status}${response.statusText ? ` ${response.statusText}` : ""}${typeof body === "string" && body ? `: ${body.slice(0, 200)}` : ""}`,
    details: error?.details,
    requestId: response.headers.get("x-request-id"),
    retryAfterSeconds: retryAfterMs === null ? null : Math.ceil(retryAfterMs / 1_000),
  });
}

function isErrorBody(body: unknown): body is { error: { code: string; message: string; details?: unknown } } {
  if (typeof body !== "object" || body === null) return false;
  const error = (body as { error?: unknown }).error;
  return typeof error === "object" && error !== null && typeof (error as { code?: unknown }).code === "string" && typeof (error as { message?: unknown }).message === "string";
}

function issuesOf(details: unknown): Issue[] {
  const issues = typeof details === "object" && details !== null ? (details as { issues?: unknown }).issues : undefined;
  if (!Array.isArray(issues)) return [];
  return issues.filter((i): i is Issue => typeof i === "object" && i !== null && typeof i.field === "string" && typeof i.message === "string");
}
