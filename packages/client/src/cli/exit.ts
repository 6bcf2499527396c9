import { isHookrelayError, type HookrelayError } from "../index";
import { UsageError } from "./args";
import { jsonLine } from "./output";

/**
 * Exit codes are part of the CLI's contract with scripts (listed in `hookrelay --help`):
 * what went wrong decides the code, never the wording of a message.
 */
export const EXIT = {
  ok: 0,
  /** The API answered with an error (validation, auth, not found, conflict…). */
  apiError: 1,
  usage: 2,
  /** No answer: the API is down, unreachable or timed out (after the SDK's retries). */
  unreachable: 3,
  /** The call worked and the thing it tried did not: `webhooks test` whose endpoint failed. */
  checkFailed: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof UsageError) return EXIT.usage;
  if (isHookrelayError(err)) return err.status === 0 ? EXIT.unreachable : EXIT.apiError;
  return EXIT.apiError;
}

type ApiErrorLike = Pick<HookrelayError, "status" | "code" | "message" | "issues" | "requestId">;

/** An API error for a person: code and message, then one line per field issue, then the request id. */
export function describeApiError(e: ApiErrorLike): string {
  const head = e.status === 0 ? `error: ${e.code}: ${e.message}` : `error: ${e.code} (HTTP ${e.status}): ${e.message}`;
  const issues = e.issues.map((i) => `  ${i.field || "(body)"}: ${i.message}${i.code ? ` [${i.code}]` : ""}`);
  const id = e.requestId ? [`  request id: ${e.requestId}`] : [];
  return [head, ...issues, ...id].join("\n");
}

/** The same error for scripts: one line of JSON, `{"error": {...}}` like the API's own. */
export function apiErrorJson(e: ApiErrorLike): string {
  return jsonLine({ error: { status: e.status, code: e.code, message: e.message, issues: e.issues, requestId: e.requestId } });
}

/** What to write on stderr for a failed command. Unknown errors are bugs: their stack helps. */
export function describeFailure(err: unknown, json: boolean): string {
  if (isHookrelayError(err)) return json ? apiErrorJson(err) : describeApiError(err);
  if (err instanceof UsageError) return `hookrelay: ${err.message}`;
  if (err instanceof Error) return json ? jsonLine({ error: { code: "cli_error", message: err.message } }) : `hookrelay: ${err.stack ?? err.message}`;
  return `hookrelay: ${String(err)}`;
}
