import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { App } from "./app/App";
import { SessionProvider } from "./session/session";
import { takeLinkToken } from "./session/link-token";
import { createTokenStore } from "./session/token-store";
import "./styles.css";

const BASENAME = "/portal";
const onSignInPage = window.location.pathname.replace(/\/+$/, "") === `${BASENAME}/signin`;
// Before anything renders: the token must leave the address bar at once.
const linkToken = onSignInPage ? takeLinkToken(window.location, window.history) : null;
const tokens = createTokenStore(() => window.sessionStorage);
// A new link opened over /signin (an iframe's src set again) changes only the fragment, which
// loads nothing: start over so the new token is taken like the first.
window.addEventListener("hashchange", () => {
  if (/[#&]token=/.test(window.location.hash)) window.location.reload();
});

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <BrowserRouter basename={BASENAME}>
      <SessionProvider tokens={tokens} onSignInPage={onSignInPage}>
        <App linkToken={linkToken} />
      </SessionProvider>
    </BrowserRouter>,
  );
}
