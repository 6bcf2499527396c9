import createClient, { type Middleware } from "openapi-fetch";
import { ApiError, networkError, toApiError } from "./errors";
import type { paths } from "./schema";

export type Api = ReturnType<typeof createClient<paths>>;

export interface ApiDeps {
  /** The portal session token, or null before sign-in. */
  token(): string | null;
  /** Called on a 401 from any call made with a session token: the session is over. */
  onSessionEnded(code: string): void;
}

/**
 * The one client every call goes through: same origin as the portal, the session token as a
 * Bearer header (never a cookie, so a cross-site request carries no credential).
 */
export function createApi(deps: ApiDeps): Api {
  const api = createClient<paths>({ baseUrl: "" });
  const auth: Middleware = {
    onRequest({ request }) {
      const token = deps.token();
      if (token) request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
    async onResponse({ request, response }) {
      if (response.status === 401 && request.headers.has("Authorization")) {
        const body: unknown = await response.clone().json().catch(() => null);
        deps.onSessionEnded(toApiError(401, body).code);
      }
      return response;
    },
  };
  api.use(auth);
  return api;
}

type Result<T> = { data?: T; error?: unknown; response: Response };

/** Resolves with the answer's body or rejects with an ApiError, never anything else. */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await call;
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    throw networkError();
  }
  if (!result.response.ok) throw toApiError(result.response.status, result.error);
  return result.data as T;
}

export { ApiError };
