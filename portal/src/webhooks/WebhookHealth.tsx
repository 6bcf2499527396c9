import { useState } from "react";
import type { Webhook } from "../api/types";
import { useAction } from "../api/resource";
import { unwrap } from "../api/client";
import { useI18n } from "../i18n/i18n";
import { useSession } from "../session/session";
import { Button } from "../ui/Button";
import { describeError } from "../ui/describe-error";
import { Notice } from "../ui/Notice";
import { Time } from "../ui/Time";
import { FailureText } from "../deliveries/FailureText";
import { skippedOffer } from "../replay/replay-request";
import { SkippedBanner } from "../replay/SkippedBanner";
import { disabledReasonText } from "./disabled-reason";
import { HEALTH_LABEL } from "./labels";

export function HealthBadge({ webhook }: { webhook: Webhook }) {
  const { t } = useI18n();
  return <span className={`badge badge-${webhook.health}`}>{t(HEALTH_LABEL[webhook.health])}</span>;
}

/**
 * What is wrong with a webhook, if anything: the failure warning (count, last error, since
 * when) or why and when it was disabled, with "Re-enable" (which re-runs the handshake); once
 * re-enabled, the offer to replay what was skipped meanwhile, if anything was.
 */
export function WebhookHealth({ webhook, onChange, enableButton = true }: { webhook: Webhook; onChange(w: Webhook): void; enableButton?: boolean }) {
  const { t, fmt } = useI18n();
  const { canManage } = useSession();
  const enable = useAction((api) => unwrap(api.POST("/v1/webhooks/{id}/enable", { params: { path: { id: webhook.id } } })));

  const [dismissed, setDismissed] = useState(false);
  const offer = enable.result && webhook.status === "active" && !dismissed ? skippedOffer(enable.result) : null;
  const reenabled =
    enable.result && webhook.status === "active" ? (
      <>
        <Notice kind="success">{t("webhooks.reenabled")}</Notice>
        {offer && <SkippedBanner webhookId={webhook.id} skipped={offer} onDismiss={() => setDismissed(true)} />}
      </>
    ) : null;

  if (webhook.status === "disabled") {
    const why = disabledReasonText(webhook, t, fmt);
    return (
      <div className="callout callout-disabled">
        <p className="callout-title">{t("webhooks.disabledTitle")}</p>
        <dl className="facts">
          <div>
            <dt>{t("webhooks.disabledReason")}</dt>
            <dd className="break">{why.fromServer ? <bdi>{why.text}</bdi> : why.text}</dd>
          </div>
          {why.note && (
            <div>
              <dt>{t("webhooks.disabledNote")}</dt>
              <dd className="break">
                <bdi>{why.note}</bdi>
              </dd>
            </div>
          )}
          <div>
            <dt>{t("webhooks.disabledAt")}</dt>
            <dd>
              <Time iso={webhook.disabledAt} />
            </dd>
          </div>
        </dl>
        {canManage && enableButton && (
          <Button
            variant="primary"
            busy={enable.busy}
            busyLabel={t("webhooks.reenabling")}
            onClick={async () => {
              const updated = await enable.perform();
              if (updated) onChange(updated);
            }}
          >
            {t("webhooks.reenable")}
          </Button>
        )}
        {enable.error && <Notice kind="error">{t("webhooks.reenableFailed", { message: describeError(enable.error, { t, fmt }) })}</Notice>}
      </div>
    );
  }
  if (webhook.health === "warning") {
    return (
      <div className="callout callout-warning">
        {reenabled}
        <p className="callout-title">{t("webhooks.warningTitle")}</p>
        <p>{t("webhooks.consecutiveFailures", { count: fmt.number(webhook.consecutiveFailures) })}</p>
        <dl className="facts">
          <div>
            <dt>{t("webhooks.failingSince")}</dt>
            <dd>
              <Time iso={webhook.failingSince ?? webhook.lastFailureAt} />
            </dd>
          </div>
          <div>
            <dt>{t("webhooks.lastError")}</dt>
            <dd className="break">{webhook.lastError ? <FailureText text={webhook.lastError} /> : t("common.none")}</dd>
          </div>
        </dl>
      </div>
    );
  }
  return reenabled;
}
