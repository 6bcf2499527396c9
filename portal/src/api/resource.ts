import { useCallback, useEffect, useRef, useState } from "react";
import type { Api } from "./client";
import { useApi } from "./context";
import { ApiError } from "./errors";

export type Resource<T> =
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | { status: "ready"; data: T };

function asApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(0, "client_error", String(err));
}

const isAbort = (err: unknown) => err instanceof DOMException && err.name === "AbortError";

/**
 * Loads once per change of `key` (a string naming what is loaded); a newer load aborts the
 * older one, so a slow answer never overwrites a fresher one.
 */
export function useResource<T>(key: string, load: (api: Api, signal: AbortSignal) => Promise<T>) {
  const api = useApi();
  const [state, setState] = useState<Resource<T>>({ status: "loading" });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const controller = new AbortController();
    setState({ status: "loading" });
    loadRef.current(api, controller.signal).then(
      (data) => setState({ status: "ready", data }),
      (err: unknown) => {
        if (!isAbort(err)) setState({ status: "error", error: asApiError(err) });
      },
    );
    return () => controller.abort();
  }, [api, key, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const replace = useCallback((data: T) => setState({ status: "ready", data }), []);
  return { state, reload, replace };
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** A cursor-paged list: the first page per `key`, then "Load more" appends the next. */
export function usePagedList<T>(key: string, load: (api: Api, cursor: string | undefined, signal: AbortSignal) => Promise<Page<T>>) {
  const api = useApi();
  const first = useResource(key, (a, signal) => load(a, undefined, signal));
  const [more, setMore] = useState<{ busy: boolean; error: ApiError | null }>({ busy: false, error: null });

  const loadMore = useCallback(async () => {
    if (first.state.status !== "ready" || !first.state.data.nextCursor) return;
    const current = first.state.data;
    setMore({ busy: true, error: null });
    try {
      const next = await load(api, current.nextCursor ?? undefined, new AbortController().signal);
      first.replace({ data: [...current.data, ...next.data], nextCursor: next.nextCursor });
      setMore({ busy: false, error: null });
    } catch (err) {
      setMore({ busy: false, error: asApiError(err) });
    }
  }, [api, first, load]);

  return { state: first.state, reload: first.reload, loadMore, more };
}

/** A change made by a button: busy while it runs, its error kept to show next to it. */
export function useAction<A extends unknown[], T>(run: (api: Api, ...args: A) => Promise<T>) {
  const api = useApi();
  const [state, setState] = useState<{ busy: boolean; error: ApiError | null; result: T | null }>({ busy: false, error: null, result: null });
  const runRef = useRef(run);
  runRef.current = run;
  const perform = useCallback(
    async (...args: A): Promise<T | null> => {
      setState({ busy: true, error: null, result: null });
      try {
        const result = await runRef.current(api, ...args);
        setState({ busy: false, error: null, result });
        return result;
      } catch (err) {
        setState({ busy: false, error: asApiError(err), result: null });
        return null;
      }
    },
    [api],
  );
  const reset = useCallback(() => setState({ busy: false, error: null, result: null }), []);
  return { ...state, perform, reset };
}
