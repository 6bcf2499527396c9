import type { ReactNode } from "react";
import { useI18n } from "../i18n/i18n";
import type { MessageKey } from "../i18n/en";
import { Button } from "../ui/Button";
import { describeError } from "../ui/describe-error";
import { usePageTitle } from "../ui/page-title";
import type { ApiError } from "../api/errors";
import type { LinkRefusal } from "./session";

/** A page of its own, outside the signed-in layout: a heading and a few words. */
export function StatePage({ title, children }: { title: string; children?: ReactNode }) {
  const { t } = useI18n();
  usePageTitle(title, t("app.title"));
  return (
    <div className="standalone">
      <header className="standalone-header">
        <p className="product">{t("app.title")}</p>
      </header>
      <main id="main" className="standalone-main">
        <h1>{title}</h1>
        {children}
      </main>
    </div>
  );
}

const REFUSAL_TEXT: Record<LinkRefusal, [MessageKey, MessageKey]> = {
  portal_link_used: ["link.used.title", "link.used.body"],
  portal_link_expired: ["link.expired.title", "link.expired.body"],
  portal_link_invalid: ["link.invalid.title", "link.invalid.body"],
  missing: ["signin.missing.title", "signin.missing.body"],
};

export function LinkRefusedPage({ reason }: { reason: LinkRefusal }) {
  const { t } = useI18n();
  const [title, body] = REFUSAL_TEXT[reason];
  return (
    <StatePage title={t(title)}>
      <p>{t(body)}</p>
    </StatePage>
  );
}

export function MessagePage({ title, body }: { title: MessageKey; body: MessageKey }) {
  const { t } = useI18n();
  return (
    <StatePage title={t(title)}>
      <p>{t(body)}</p>
    </StatePage>
  );
}

export function SessionFailedPage({ error, onRetry }: { error: ApiError; onRetry(): void }) {
  const { t, fmt } = useI18n();
  return (
    <StatePage title={t("state.errorTitle")}>
      <p>{describeError(error, { t, fmt })}</p>
      <Button onClick={onRetry}>{t("state.retry")}</Button>
    </StatePage>
  );
}

/** While the session is checked or the link exchanged: a page that says only that. */
export function CheckingPage({ title }: { title: MessageKey }) {
  const { t } = useI18n();
  return (
    <StatePage title={t(title)}>
      <span className="spinner" aria-hidden="true" />
    </StatePage>
  );
}
