import type { ReactNode } from "react";
import { Link, useParams } from "react-router";
import { unwrap } from "../api/client";
import { useResource } from "../api/resource";
import type { Webhook } from "../api/types";
import { useTitle } from "../app/title";
import { useI18n } from "../i18n/i18n";
import { useSession } from "../session/session";
import { RecentNotices } from "../notices/RecentNotices";
import { WebhookHistory } from "../audit/WebhookHistory";
import { StatsPanel } from "../stats/StatsPanel";
import { ErrorState, Loading } from "../ui/PageState";
import { Time } from "../ui/Time";
import { CheckEndpoint } from "./CheckEndpoint";
import { DIALECT_LABEL, STATUS_LABEL } from "./labels";
import { RotateSecret } from "./RotateSecret";
import { TestEvent } from "./TestEvent";
import { WebhookActions } from "./WebhookActions";
import { HealthBadge, WebhookHealth } from "./WebhookHealth";

function Summary({ webhook }: { webhook: Webhook }) {
  const { t } = useI18n();
  const rows: [string, ReactNode][] = [
    [t("webhooks.url"), <bdi className="break mono">{webhook.url}</bdi>],
    [t("webhooks.dialect"), t(DIALECT_LABEL[webhook.dialect])],
    [t("webhooks.status"), t(STATUS_LABEL[webhook.status])],
    [t("webhooks.health"), <HealthBadge webhook={webhook} />],
    [t("webhooks.eventTypes"), <span className="mono">{webhook.eventTypes.join(", ")}</span>],
    [t("webhook.description"), webhook.description ?? t("common.none")],
    [t("webhook.secretHint"), <span className="mono">{webhook.verifyTokenHint}</span>],
    [t("webhook.verifiedAt"), <Time iso={webhook.verifiedAt} />],
    [t("webhook.lastSuccess"), <Time iso={webhook.lastSuccessAt} />],
    [t("webhook.lastFailure"), <Time iso={webhook.lastFailureAt} />],
    [t("webhook.createdAt"), <Time iso={webhook.createdAt} />],
  ];
  return (
    <section className="panel" aria-labelledby="summary-title">
      <h2 id="summary-title">{t("webhook.summary")}</h2>
      <dl className="facts facts-grid">
        {rows.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/** One webhook: what it is, how it is doing, and what can be done with it. */
export function WebhookPage() {
  const { t } = useI18n();
  const { canManage } = useSession();
  const { id = "" } = useParams();
  const webhook = useResource(`webhook:${id}`, (api, signal) => unwrap(api.GET("/v1/webhooks/{id}", { params: { path: { id } }, signal })));
  const state = webhook.state;
  useTitle(state.status === "ready" ? state.data.url : t("webhooks.title"));

  if (state.status === "loading") return <Loading />;
  if (state.status === "error") return <ErrorState error={state.error} onRetry={webhook.reload} heading />;
  const w = state.data;
  return (
    <>
      <div className="page-head">
        <h1 className="break">
          <bdi>{w.url}</bdi>
        </h1>
        <Link to={`/webhooks/${w.id}/log`}>{t("webhook.log")}</Link>
      </div>
      <WebhookHealth webhook={w} onChange={webhook.replace} enableButton={false} />
      {canManage && <WebhookActions webhook={w} onChange={webhook.replace} />}
      <Summary webhook={w} />
      <StatsPanel webhookId={w.id} />
      <RecentNotices webhookId={w.id} />
      <WebhookHistory webhookId={w.id} version={w.updatedAt} />
      {canManage && <TestEvent webhook={w} />}
      {canManage && <CheckEndpoint webhook={w} />}
      {canManage && <RotateSecret webhook={w} onChange={webhook.replace} />}
    </>
  );
}
