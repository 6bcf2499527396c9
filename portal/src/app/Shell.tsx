import { useEffect, useRef, useState, type ReactNode } from "react";
import { NavLink, useLocation } from "react-router";
import { useI18n } from "../i18n/i18n";
import { accentStyle } from "../session/branding";
import { useSession } from "../session/session";
import { Button } from "../ui/Button";

/** The signed-in layout: skip link, header (product, account, sign out), navigation, main. */
export function Shell({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const { session, signOut } = useSession();
  const [signingOut, setSigningOut] = useState(false);
  const product = session?.branding.productName || t("app.title");
  const main = useRef<HTMLElement>(null);
  const { pathname } = useLocation();
  const firstPath = useRef(pathname);
  // After a client-side navigation, start the keyboard and the screen reader at the new page's content.
  useEffect(() => {
    if (pathname === firstPath.current) return;
    firstPath.current = "";
    main.current?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [pathname]);
  return (
    <div className="shell" style={accentStyle(session?.branding)}>
      <a className="skip-link" href="#main">
        {t("app.skipToContent")}
      </a>
      <header className="header">
        <div className="header-inner">
          <p className="product">{product}</p>
          <div className="header-side">
            {session && (
              <p className="account">
                <span className="visually-hidden">{t("app.account")}: </span>
                {session.accountName}
              </p>
            )}
            {session?.access === "read" && <span className="badge badge-readonly">{t("app.readOnly")}</span>}
            <Button
              className="btn-on-accent"
              busy={signingOut}
              busyLabel={t("app.signingOut")}
              onClick={() => {
                setSigningOut(true);
                void signOut();
              }}
            >
              {t("app.signOut")}
            </Button>
          </div>
        </div>
        <nav className="nav" aria-label={t("app.nav")}>
          <ul>
            <li>
              <NavLink to="/webhooks">{t("nav.webhooks")}</NavLink>
            </li>
            <li>
              <NavLink to="/events">{t("nav.events")}</NavLink>
            </li>
            <li>
              <NavLink to="/catalog">{t("nav.catalog")}</NavLink>
            </li>
          </ul>
        </nav>
      </header>
      <main id="main" className="main" tabIndex={-1} ref={main}>
        {children}
      </main>
    </div>
  );
}
