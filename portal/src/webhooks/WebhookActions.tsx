import { useState } from "react";
import { Link, useNavigate } from "react-router";
import { unwrap } from "../api/client";
import { useAction } from "../api/resource";
import type { SkippedWhileDisabled, Webhook } from "../api/types";
import { useI18n } from "../i18n/i18n";
import { Button } from "../ui/Button";
import { describeError } from "../ui/describe-error";
import { Dialog } from "../ui/Dialog";
import { Notice } from "../ui/Notice";
import { skippedOffer } from "../replay/replay-request";

interface Props {
  webhook: Webhook;
  onChange(w: Webhook): void;
  /** Resumed, and the API says deliveries were skipped while it was off: the page offers to replay them. */
  onSkipped?(skipped: SkippedWhileDisabled): void;
}

/** Edit, pause or resume, delete (after a confirmation): only for sessions that may manage. */
export function WebhookActions({ webhook, onChange, onSkipped }: Props) {
  const { t, fmt } = useI18n();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState<"paused" | "resumed" | null>(null);
  const path = { params: { path: { id: webhook.id } } };
  const pause = useAction((api) => unwrap(api.POST("/v1/webhooks/{id}/disable", { ...path, body: {} })));
  const resume = useAction((api) => unwrap(api.POST("/v1/webhooks/{id}/enable", path)));
  const remove = useAction(async (api) => {
    await unwrap(api.DELETE("/v1/webhooks/{id}", path));
    return true;
  });
  const failed = pause.error ?? resume.error;

  const run = async (action: typeof pause, outcome: "paused" | "resumed") => {
    setDone(null);
    const updated = await action.perform();
    if (updated) {
      onChange(updated);
      setDone(outcome);
      const skipped = outcome === "resumed" ? skippedOffer(updated) : null;
      if (skipped) onSkipped?.(skipped);
    }
  };

  return (
    <section className="panel" aria-labelledby="actions-title">
      <h2 id="actions-title" className="visually-hidden">
        {t("webhook.actions")}
      </h2>
      <div className="actions">
        <Link className="btn btn-secondary" to={`/webhooks/${webhook.id}/edit`}>
          {t("webhook.edit")}
        </Link>
        {webhook.status === "active" ? (
          <Button busy={pause.busy} busyLabel={t("webhook.pausing")} onClick={() => run(pause, "paused")}>
            {t("webhook.pause")}
          </Button>
        ) : (
          <Button variant="primary" busy={resume.busy} busyLabel={t("webhook.resuming")} onClick={() => run(resume, "resumed")}>
            {t("webhook.resume")}
          </Button>
        )}
        <Button variant="danger" onClick={() => setConfirming(true)}>
          {t("webhook.delete")}
        </Button>
      </div>
      {done === "paused" && <Notice kind="success">{t("webhook.paused")}</Notice>}
      {done === "resumed" && <Notice kind="success">{t("webhook.resumed")}</Notice>}
      {failed && <Notice kind="error">{t("webhook.actionFailed", { message: describeError(failed, { t, fmt }) })}</Notice>}

      <Dialog
        open={confirming}
        title={t("webhook.deleteTitle")}
        onClose={() => {
          setConfirming(false);
          remove.reset();
        }}
        actions={
          <>
            <Button
              variant="danger"
              busy={remove.busy}
              busyLabel={t("webhook.deleting")}
              onClick={async () => {
                if (await remove.perform()) navigate("/webhooks", { replace: true, state: { notice: "deleted" } });
              }}
            >
              {t("webhook.deleteConfirm")}
            </Button>
            <Button onClick={() => setConfirming(false)} data-autofocus>
              {t("common.cancel")}
            </Button>
          </>
        }
      >
        <p className="break">{t("webhook.deleteBody", { url: webhook.url })}</p>
        {remove.error && <Notice kind="error">{describeError(remove.error, { t, fmt })}</Notice>}
      </Dialog>
    </section>
  );
}
