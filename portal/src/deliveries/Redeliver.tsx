import { unwrap } from "../api/client";
import { useAction } from "../api/resource";
import { useI18n } from "../i18n/i18n";
import { Button } from "../ui/Button";
import { describeError } from "../ui/describe-error";
import { Notice } from "../ui/Notice";
import { DELIVERY_STATUS } from "./labels";

/** Delivers the same event again (a new attempt chain); says what became of the request. */
export function Redeliver({ deliveryId }: { deliveryId: string }) {
  const { t, fmt } = useI18n();
  const redeliver = useAction((api) => unwrap(api.POST("/v1/deliveries/{id}/redeliver", { params: { path: { id: deliveryId } } })));
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
