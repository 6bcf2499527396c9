import { NetworkError } from "./errors";
import { decideRetry, isIdempotent, type AttemptOutcome, type RetryPolicy } from "./retry";

/** What the SDK needs from `fetch`: globalThis.fetch, undici's, a test's wrapper. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/**
 * A property the resources set on the request (openapi-fetch copies unknown init keys onto the
 * Request it builds): this POST carries an idempotency key, so it may be repeated after an
 * unknown outcome. Requests made through `hr.api` are judged by their method and body instead.
 */
export const KEYED = "hookrelayKeyed";

export interface TransportOptions {
  fetch: FetchLike;
  /** null: one attempt only. */
  retry: RetryPolicy | null;
  timeoutMs: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The `fetch` handed to openapi-fetch: each attempt under its own timeout, repeated as
 * `decideRetry` says. Resolves with the last answer (a 429 included, once retries are spent),
 * or rejects with a NetworkError; a caller's own abort rejects with its reason, untouched.
 */
export function retryingFetch(opts: TransportOptions): (request: Request) => Promise<Response> {
  const sleep = opts.sleep ?? sleepFor;
  const random = opts.random ?? Math.random;
  const now = opts.now ?? Date.now;
  const policy: RetryPolicy = opts.retry ?? { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, maxRetryAfterMs: 0 };

  return async (request) => {
    // Read once: a Request's body is a stream that one attempt would use up.
    const body = request.body === null ? null : await request.arrayBuffer();
    const bodyText = body && request.headers.get("content-type")?.includes("json") ? new TextDecoder().decode(body) : null;
    const keyed = (request as Request & { [KEYED]?: boolean })[KEYED] === true;
    const idempotent = isIdempotent(request.method, keyed, keyed ? null : bodyText);
    const callerSignal = request.signal;

    for (let attempt = 1; ; attempt++) {
      let outcome: AttemptOutcome;
      let response: Response | null = null;
      let failure: unknown = null;
      const attemptSignal = withTimeout(callerSignal, opts.timeoutMs);
      try {
        const answer = await opts.fetch(request.url, {
          method: request.method,
          headers: request.headers,
          body,
          signal: attemptSignal.signal,
          redirect: request.redirect,
        });
        // The body is read under the same timeout (answers are small JSON), so the timer can be
        // cleared once it is in, and never holds a short-lived process open.
        response = await buffered(answer);
        outcome = { kind: "response", status: response.status, retryAfter: response.headers.get("retry-after") };
      } catch (err) {
        if (callerSignal.aborted) throw callerSignal.reason ?? err;
        failure = err;
        outcome = attemptSignal.timedOut() ? { kind: "timeout" } : { kind: "network" };
      } finally {
        attemptSignal.clear();
      }

      const decision = decideRetry({ policy, attempt, outcome, idempotent, now: now(), random: random() });
      if (decision.kind === "stop") {
        if (response) return response;
        throw new NetworkError(
          outcome.kind === "timeout"
            ? `no answer from ${request.method} ${request.url} within ${opts.timeoutMs} ms (${decision.reason})`
            : `${request.method} ${request.url} failed: ${messageOf(failure)} (${decision.reason})`,
          { timedOut: outcome.kind === "timeout", cause: failure },
        );
      }
      await abortableSleep(sleep, decision.delayMs, callerSignal);
    }
  };
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

async function buffered(answer: Response): Promise<Response> {
  const bytes = NULL_BODY_STATUSES.has(answer.status) ? null : await answer.arrayBuffer();
  return new Response(bytes, { status: answer.status, statusText: answer.statusText, headers: answer.headers });
}

/** The caller's signal, plus a timer of our own; says afterwards which of the two fired. */
function withTimeout(caller: AbortSignal, timeoutMs: number) {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort(caller.reason);
  if (caller.aborted) controller.abort(caller.reason);
  else caller.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    clear: () => {
      clearTimeout(timer);
      caller.removeEventListener("abort", onAbort);
    },
  };
}

async function abortableSleep(sleep: (ms: number) => Promise<void>, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw signal.reason;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([sleep(ms), aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort!);
  }
}

function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // undici says "fetch failed" and puts the reason (ECONNREFUSED, …) in `cause`.
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
}
