import { Link } from "react-router";
import { unwrap } from "../api/client";
import { useAction } from "../api/resource";
import type { Replay, SkippedWhileDisabled } from "../api/types";
import { useI18n } from "../i18n/i18n";
import { Button } from "../ui/Button";
import { describeError } from "../ui/describe-error";
import { Notice } from "../ui/Notice";
import { isDryRun, REPLAYS_ANCHOR, skippedReplayBody } from "./replay-request";

interface Props {
  webhookId: string;
  skipped: SkippedWhileDisabled;
  /** Where the replay is followed on this page (the webhook page's replays); without it the banner links to that page. */
  onStarted?(replay: Replay): void;
  onDismiss(): void;
}

/**
 * Shown once a disabled webhook is enabled again and the API says deliveries ended `skipped`
 * while it was off: "Replay them" starts a replay of exactly those (that range, status skipped).
 */
export function SkippedBanner({ webhookId, skipped, onStarted, onDismiss }: Props) {
  const { t, fmt } = useI18n();
  const start = useAction((api) => unwrap(api.POST("/v1/webhooks/{id}/replay", { params: { path: { id: webhookId } }, body: skippedReplayBody(skipped) })));
  const started = start.result && !isDryRun(start.result) ? start.result : null;

  if (started) {
    return (
      <Notice kind="success">
        <p>
          {t("skipped.started")}{" "}
          {onStarted ? <a href={`#${REPLAYS_ANCHOR}`}>{t("skipped.seeProgress")}</a> : <Link to={`/webhooks/${webhookId}`}>{t("skipped.seeProgress")}</Link>}
        </p>
      </Notice>
    );
  }
  return (
    <div className="callout callout-info">
      <p className="callout-title">{t("skipped.title", { count: fmt.number(skipped.count) })}</p>
      <p>{t("skipped.body", { since: fmt.dateTime(skipped.since), until: fmt.dateTime(skipped.until) })}</p>
      <div className="actions">
        <Button
          variant="primary"
          busy={start.busy}
          busyLabel={t("skipped.replaying")}
          onClick={async () => {
            const replay = await start.perform();
            if (replay && !isDryRun(replay)) onStarted?.(replay);
          }}
        >
          {t("skipped.replay")}
        </Button>
        <Button onClick={onDismiss} disabled={start.busy}>
          {t("skipped.dismiss")}
        </Button>
      </div>
      {start.error && <Notice kind="error">{t("replay.failed", { message: describeError(start.error, { t, fmt }) })}</Notice>}
    </div>
  );
}
