import { useState, type ReactNode } from "react";
import { Link, useParams } from "react-router";
import { unwrap } from "../api/client";
import { useResource } from "../api/resource";
import type { Replay, SkippedWhileDisabled, Webhook } from "../api/types";
import { useTitle } from "../app/title";
import { useI18n } from "../i18n/i18n";
import { useSession } from "../session/session";
import { RecentNotices } from "../notices/RecentNotices";
import { WebhookHistory } from "../audit/WebhookHistory";
import { ReplayPanel } from "../replay/ReplayPanel";
import { SkippedBanner } from "../replay/SkippedBanner";
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

/** The webhook's address as the page's title, and its delivery log beside it. */
function PageHead({ webhook }: { webhook: Webhook }) {
  const { t } = useI18n();
  return (
    <div className="page-head">
      <h1 className="break">
        <bdi>{webhook.url}</bdi>
      </h1>
      <Link to={`/webhooks/${webhook.id}/log`}>{t("webhook.log")}</Link>
    </div>
  );
}

/**
 * A deleted webhook, reached by its address: it is gone for changes, so the page says so and
 * offers nothing to do; what was delivered stays readable (its log, its stats, its history).
 */
function DeletedWebhook({ webhook }: { webhook: Webhook }) {
  const { t } = useI18n();
  return (
    <>
      <PageHead webhook={webhook} />
      <div className="callout callout-deleted">
        <p className="callout-title">{t("deleted.title")}</p>
        <p>{t("deleted.body")}</p>
        <dl className="facts">
          <div>
            <dt>{t("deleted.at")}</dt>
            <dd>
              <Time iso={webhook.deletedAt} />
            </dd>
          </div>
        </dl>
      </div>
      <Summary webhook={webhook} />
      <StatsPanel webhookId={webhook.id} />
      <WebhookHistory webhookId={webhook.id} version={webhook.updatedAt} />
    </>
  );
}

/** One webhook: what it is, how it is doing, and what can be done with it. */
export function WebhookPage() {
  const { id = "" } = useParams();
  // Keyed by the id: the replay followed and the offer after re-enabling belong to one webhook.
  return <WebhookView key={id} id={id} />;
}

function WebhookView({ id }: { id: string }) {
  const { t } = useI18n();
  const { canManage } = useSession();
  const webhook = useResource(`webhook:${id}`, (api, signal) => unwrap(api.GET("/v1/webhooks/{id}", { params: { path: { id } }, signal })));
  const state = webhook.state;
  useTitle(state.status === "ready" ? state.data.url : t("webhooks.title"));
  // What re-enabling found skipped, until replayed or dismissed; the replay this page follows.
  const [skipped, setSkipped] = useState<SkippedWhileDisabled | null>(null);
  const [replay, setReplay] = useState<Replay | null>(null);

  if (state.status === "loading") return <Loading />;
  if (state.status === "error") return <ErrorState error={state.error} onRetry={webhook.reload} heading />;
  const w = state.data;
  if (w.status === "deleted") return <DeletedWebhook webhook={w} />;
  return (
    <>
      <PageHead webhook={w} />
      <WebhookHealth webhook={w} onChange={webhook.replace} enableButton={false} />
      {canManage && <WebhookActions webhook={w} onChange={webhook.replace} onSkipped={setSkipped} />}
      {skipped && canManage && (
        <SkippedBanner
          webhookId={w.id}
          skipped={skipped}
          onDismiss={() => setSkipped(null)}
          onStarted={setReplay}
        />
      )}
      <Summary webhook={w} />
      <StatsPanel webhookId={w.id} />
      <ReplayPanel webhook={w} active={replay} onActive={setReplay} />
      <RecentNotices webhookId={w.id} />
      <WebhookHistory webhookId={w.id} version={w.updatedAt} />
      {canManage && <TestEvent webhook={w} />}
      {canManage && <CheckEndpoint webhook={w} />}
      {canManage && <RotateSecret webhook={w} onChange={webhook.replace} />}
    </>
  );
}
