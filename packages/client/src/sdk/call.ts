import { errorFromResponse, HookrelayError, NetworkError } from "./errors";

/** openapi-fetch's answer: the typed body on 2xx, the parsed error body otherwise. */
type FetchResult = { data?: unknown; error?: unknown; response: Response };
/** The success member's body (the error member's `data` is optional `never`). */
type DataOf<R> = R extends { data: infer D } ? D : never;

/**
 * The SDK's one rule for answers: resolve with the body of a 2xx, reject with a HookrelayError
 * for anything else (never an openapi-fetch result object). A caller's own abort rejects with
 * its reason, as fetch does.
 */
export async function unwrap<R extends FetchResult>(request: Promise<R>): Promise<DataOf<R>> {
  let result: R;
  try {
    result = await request;
  } catch (err) {
    if (err instanceof HookrelayError) throw err;
    if (err instanceof Error && err.name === "AbortError") throw err;
    throw new NetworkError(`the request failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (!result.response.ok) throw errorFromResponse(result.response, result.error);
  return result.data as DataOf<R>;
}
