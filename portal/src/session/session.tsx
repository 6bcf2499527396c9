import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { createApi, unwrap, type Api } from "../api/client";
import { ApiContext } from "../api/context";
import { ApiError } from "../api/errors";
import type { PortalSession } from "../api/types";
import type { TokenStore } from "./token-store";

/** Why a sign-in link was refused, as the API names it. */
export type LinkRefusal = "portal_link_used" | "portal_link_expired" | "portal_link_invalid" | "missing";
const LINK_REFUSALS: readonly string[] = ["portal_link_used", "portal_link_expired", "portal_link_invalid"];

export type SessionState =
  | { status: "checking" }
  | { status: "signed-in"; session: PortalSession }
  /** No token in this tab: the portal was opened without a link. */
  | { status: "none" }
  | { status: "link-refused"; reason: LinkRefusal }
  /** Exchange or session check failed for another reason (network, 5xx). */
  | { status: "failed"; error: ApiError }
  /** A 401 on a call made with the token: expired, or ended elsewhere. */
  | { status: "ended" }
  | { status: "signed-out" };

interface SessionApi {
  state: SessionState;
  /** The signed-in session; only inside the signed-in part of the app. */
  session: PortalSession | null;
  canManage: boolean;
  exchange(linkToken: string | null): Promise<void>;
  signOut(): Promise<void>;
  retry(): void;
}

const SessionContext = createContext<SessionApi | null>(null);

interface Props {
  tokens: TokenStore;
  /** The page opened is /signin: the sign-in page exchanges its link instead of checking a stored session. */
  onSignInPage: boolean;
  children: ReactNode;
}

/** Owns the session token, the API client that sends it, and what the session state is. */
export function SessionProvider({ tokens, onSignInPage, children }: Props) {
  const [state, setState] = useState<SessionState>({ status: "checking" });
  const [attempt, setAttempt] = useState(0);
  const signingOut = useRef(false);

  const api: Api = useMemo(
    () =>
      createApi({
        token: () => tokens.get(),
        onSessionEnded: () => {
          tokens.clear();
          if (!signingOut.current) setState({ status: "ended" });
        },
      }),
    [tokens],
  );

  useEffect(() => {
    if (onSignInPage) return;
    if (!tokens.get()) {
      setState({ status: "none" });
      return;
    }
    const controller = new AbortController();
    unwrap(api.GET("/v1/portal/session", { signal: controller.signal })).then(
      (session) => setState({ status: "signed-in", session }),
      (err: unknown) => {
        if (err instanceof ApiError && err.status !== 401) setState({ status: "failed", error: err });
      },
    );
    return () => controller.abort();
  }, [api, tokens, onSignInPage, attempt]);

  const exchange = useCallback(
    async (linkToken: string | null) => {
      setState({ status: "checking" });
      if (!linkToken) {
        setState({ status: "link-refused", reason: "missing" });
        return;
      }
      // A token left from an earlier session in this tab must not ride along (its 401 would read as "ended").
      tokens.clear();
      try {
        const { sessionToken, session } = await unwrap(api.POST("/v1/portal/session/exchange", { body: { token: linkToken } }));
        tokens.set(sessionToken);
        setState({ status: "signed-in", session });
      } catch (err) {
        const error = err instanceof ApiError ? err : new ApiError(0, "client_error", String(err));
        if (error.status === 401 || LINK_REFUSALS.includes(error.code)) {
          const reason = (LINK_REFUSALS.includes(error.code) ? error.code : "portal_link_invalid") as LinkRefusal;
          setState({ status: "link-refused", reason });
        } else setState({ status: "failed", error });
      }
    },
    [api, tokens],
  );

  const signOut = useCallback(async () => {
    signingOut.current = true;
    try {
      await unwrap(api.DELETE("/v1/portal/session"));
    } catch {
      // Already over on the server (401) or unreachable: the tab forgets it either way.
    }
    tokens.clear();
    setState({ status: "signed-out" });
  }, [api, tokens]);

  const value = useMemo<SessionApi>(() => {
    const session = state.status === "signed-in" ? state.session : null;
    return {
      state,
      session,
      canManage: session?.access === "manage",
      exchange,
      signOut,
      retry: () => {
        setState({ status: "checking" });
        setAttempt((a) => a + 1);
      },
    };
  }, [state, exchange, signOut]);

  return (
    <ApiContext.Provider value={api}>
      <SessionContext.Provider value={value}>{children}</SessionContext.Provider>
    </ApiContext.Provider>
  );
}

export function useSession(): SessionApi {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside SessionProvider");
  return s;
}
