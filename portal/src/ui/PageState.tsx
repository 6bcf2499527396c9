import type { ReactNode } from "react";
import { Link } from "react-router";
import type { ApiError } from "../api/errors";
import type { Resource } from "../api/resource";
import { useI18n } from "../i18n/i18n";
import { Button } from "./Button";
import { describeError } from "./describe-error";

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {t("state.loading")}
    </p>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children}
    </div>
  );
}

export function NotFound({ heading = true }: { heading?: boolean }) {
  const { t } = useI18n();
  return (
    <div className="state-page">
      {heading ? <h1>{t("notFound.title")}</h1> : <p className="empty-title">{t("notFound.title")}</p>}
      <p>{t("notFound.body")}</p>
      <p>
        <Link to="/webhooks">{t("notFound.home")}</Link>
      </p>
    </div>
  );
}

/** A failed load: "not found" for a 404 (another account's id reads the same), else the reason and a retry. */
export function ErrorState({ error, onRetry, heading = false }: { error: ApiError; onRetry?: () => void; heading?: boolean }) {
  const { t, fmt } = useI18n();
  if (error.status === 404) return <NotFound heading={heading} />;
  return (
    <div className="notice notice-error" role="alert">
      {heading ? <h1>{t("state.errorTitle")}</h1> : <p className="notice-title">{t("state.errorTitle")}</p>}
      <p>{describeError(error, { t, fmt })}</p>
      {onRetry && <Button onClick={onRetry}>{t("state.retry")}</Button>}
    </div>
  );
}

/**
 * Renders a resource: loading, then the error (with a page heading when the page has no
 * other, so headings stay in order), then `children(data)`.
 */
export function ResourceView<T>({ resource, onRetry, errorHeading = false, children }: { resource: Resource<T>; onRetry?: () => void; errorHeading?: boolean; children: (data: T) => ReactNode }) {
  if (resource.status === "loading") return <Loading />;
  if (resource.status === "error") return <ErrorState error={resource.error} onRetry={onRetry} heading={errorHeading} />;
  return <>{children(resource.data)}</>;
}

/** A wide table scrolls inside its own box on a narrow screen, never the page. */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}
