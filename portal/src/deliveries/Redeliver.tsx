import { unwrap } from "../api/client";
import { useAction, useResource } from "../api/resource";
import { useI18n } from "../i18n/i18n";
import { Button } from "../ui/Button";
import { describeError } from "../ui/describe-error";
import { Notice } from "../ui/Notice";
import { DELIVERY_STATUS } from "./labels";

/**
 * Delivers the same event again (a new attempt chain); says what became of the request. Not
 * offered for a deleted webhook's delivery: the API refuses it, and there is nowhere to send it.
 */
export function Redeliver({ deliveryId, webhookId }: { deliveryId: string; webhookId: string }) {
  const { t, fmt } = useI18n();
  const webhook = useResource(`webhook:${webhookId}`, (api, signal) => unwrap(api.GET("/v1/webhooks/{id}", { params: { path: { id: webhookId } }, signal })));
  const redeliver = useAction((api) => unwrap(api.POST("/v1/deliveries/{id}/redeliver", { params: { path: { id: deliveryId } } })));
  // Until the webhook is read the button waits; a failed read still offers it (the API decides).
  if (webhook.state.status === "loading" || (webhook.state.status === "ready" && webhook.state.data.status === "deleted")) return null;
  return (
    <div className="redeliver">
      <Button variant="primary" busy={redeliver.busy} busyLabel={t("attempt.redelivering")} onClick={() => void redeliver.perform()}>
        {t("attempt.redeliver")}
      </Button>
      {redeliver.result && (
        <Notice kind="success">
          {t("attempt.redelivered")} ({t(DELIVERY_STATUS[redeliver.result.status])})
        </Notice>
      )}
      {redeliver.error && <Notice kind="error">{t("attempt.redeliverFailed", { message: describeError(redeliver.error, { t, fmt }) })}</Notice>}
    </div>
  );
}
