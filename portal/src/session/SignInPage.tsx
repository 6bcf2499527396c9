import { useEffect, useRef } from "react";
import { Navigate } from "react-router";
import { useSession } from "./session";
import { CheckingPage, LinkRefusedPage, SessionFailedPage } from "./SessionPages";

/** `/signin`: exchanges the link's token (already taken out of the address) for a session. */
export function SignInPage({ linkToken }: { linkToken: string | null }) {
  const { state, exchange } = useSession();
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void exchange(linkToken);
  }, [exchange, linkToken]);

  switch (state.status) {
    case "signed-in":
      return <Navigate to="/webhooks" replace />;
    case "link-refused":
      return <LinkRefusedPage reason={state.reason} />;
    case "failed":
      return <SessionFailedPage error={state.error} onRetry={() => void exchange(linkToken)} />;
    default:
      return <CheckingPage title="signin.title" />;
  }
}
