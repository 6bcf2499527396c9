import { useState } from "react";
import { Link, useLocation } from "react-router";
import { unwrap } from "../api/client";
import { usePagedList } from "../api/resource";
import type { Webhook } from "../api/types";
import { useTitle } from "../app/title";
import { useI18n } from "../i18n/i18n";
import { useSession } from "../session/session";
import { Button } from "../ui/Button";
import { describeError } from "../ui/describe-error";
import { Notice } from "../ui/Notice";
import { Empty, ResourceView } from "../ui/PageState";
import { DIALECT_LABEL, STATUS_LABEL } from "./labels";
import { HealthBadge, WebhookHealth } from "./WebhookHealth";

function WebhookCard({ webhook, onChange }: { webhook: Webhook; onChange(w: Webhook): void }) {
  const { t } = useI18n();
  return (
    <li className="card webhook-card">
      <h2 className="card-title">
        <Link to={`/webhooks/${webhook.id}`} className="break">
          <bdi>{webhook.url}</bdi>
        </Link>
      </h2>
      {webhook.description && <p className="muted">{webhook.description}</p>}
      <dl className="facts facts-inline">
        <div>
          <dt>{t("webhooks.dialect")}</dt>
          <dd>{t(DIALECT_LABEL[webhook.dialect])}</dd>
        </div>
        <div>
          <dt>{t("webhooks.status")}</dt>
          <dd>{t(STATUS_LABEL[webhook.status])}</dd>
        </div>
        <div>
          <dt>{t("webhooks.health")}</dt>
          <dd>
            <HealthBadge webhook={webhook} />
          </dd>
        </div>
        <div className="facts-wide">
          <dt>{t("webhooks.eventTypes")}</dt>
          <dd>
            <ul className="tags">
              {webhook.eventTypes.map((type) => (
                <li key={type} className="tag mono">
                  {type}
                </li>
              ))}
            </ul>
          </dd>
        </div>
      </dl>
      <WebhookHealth webhook={webhook} onChange={onChange} />
    </li>
  );
}

export function WebhooksPage() {
  const { t, fmt } = useI18n();
  const { canManage } = useSession();
  useTitle(t("webhooks.title"));
  const list = usePagedList<Webhook>("webhooks", (api, cursor, signal) =>
    unwrap(api.GET("/v1/webhooks", { params: { query: { limit: 20, cursor } }, signal })),
  );
  const [changed, setChanged] = useChanged();
  const deleted = (useLocation().state as { notice?: string } | null)?.notice === "deleted";

  return (
    <>
      <div className="page-head">
        <h1>{t("webhooks.title")}</h1>
        {canManage && (
          <Link className="btn btn-primary" to="/webhooks/new">
            {t("webhooks.add")}
          </Link>
        )}
      </div>
      {deleted && <Notice kind="success">{t("webhook.deleted")}</Notice>}
      <ResourceView resource={list.state} onRetry={list.reload}>
        {(page) =>
          page.data.length === 0 ? (
            <Empty title={t("webhooks.emptyTitle")}>
              <p>{canManage ? t("webhooks.emptyBody") : t("webhooks.emptyReadOnly")}</p>
            </Empty>
          ) : (
            <>
              <ul className="cards">
                {page.data.map((w) => {
                  const current = changed[w.id] ?? w;
                  return <WebhookCard key={w.id} webhook={current} onChange={setChanged} />;
                })}
              </ul>
              {page.nextCursor && (
                <Button onClick={list.loadMore} busy={list.more.busy} busyLabel={t("common.loadingMore")}>
                  {t("common.loadMore")}
                </Button>
              )}
              {list.more.error && <Notice kind="error">{describeError(list.more.error, { t, fmt })}</Notice>}
            </>
          )
        }
      </ResourceView>
    </>
  );
}

/** Webhooks changed on this page (re-enabled), shown over the loaded copies. */
function useChanged(): [Record<string, Webhook>, (w: Webhook) => void] {
  const [changed, setChanged] = useState<Record<string, Webhook>>({});
  return [changed, (w) => setChanged((c) => ({ ...c, [w.id]: w }))];
}
