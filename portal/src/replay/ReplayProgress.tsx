import { useEffect, useId, useRef, useState } from "react";
import { unwrap } from "../api/client";
import { useApi } from "../api/context";
import { ApiError } from "../api/errors";
import { useAction } from "../api/resource";
import type { Replay } from "../api/types";
import { useI18n } from "../i18n/i18n";
import { useSession } from "../session/session";
import { Button } from "../ui/Button";
import { describeError } from "../ui/describe-error";
import { Notice } from "../ui/Notice";
import { REPLAY_STATUS, REPLAY_TONE } from "./labels";
import { progressRatio } from "./replay-request";

/** How often a running replay's progress is asked for: often enough to watch, rarely enough to cost nothing. */
const POLL_MS = 1_000;

/**
 * Follows one replay while it runs (GET /v1/replays/:id every second, never two at once) and
 * hands every newer copy to `onChange`; stops once it has finished or the view goes away.
 */
function usePolledReplay(replay: Replay, onChange: (r: Replay) => void): ApiError | null {
  const api = useApi();
  const [error, setError] = useState<ApiError | null>(null);
  const changed = useRef(onChange);
  changed.current = onChange;
  useEffect(() => {
    if (replay.status !== "running") return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      unwrap(api.GET("/v1/replays/{id}", { params: { path: { id: replay.id } }, signal: controller.signal })).then(
        (fresh) => {
          setError(null);
          changed.current(fresh);
        },
        (err: unknown) => {
          if (err instanceof DOMException && err.name === "AbortError") return;
          setError(err instanceof ApiError ? err : new ApiError(0, "client_error", String(err)));
          // Try again on the next tick: a blip must not freeze the bar.
          changed.current({ ...replay });
        },
      );
    }, POLL_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [api, replay]);
  return error;
}

/** The replay under way (or just finished): how many of the matched deliveries went out, its status, Cancel. */
export function ReplayProgress({ replay, onChange }: { replay: Replay; onChange(r: Replay): void }) {
  const { t, fmt } = useI18n();
  const { canManage } = useSession();
  const titleId = useId();
  const pollError = usePolledReplay(replay, onChange);
  const cancel = useAction((api) => unwrap(api.POST("/v1/replays/{id}/cancel", { params: { path: { id: replay.id } } })));
  const running = replay.status === "running";

  return (
    <div className="replay-progress" aria-labelledby={titleId} role="group">
      <p id={titleId} className="replay-progress-title">
        {t("replay.current")} <span className={`badge ${REPLAY_TONE[replay.status]}`}>{t(REPLAY_STATUS[replay.status])}</span>
      </p>
      <progress className="replay-bar" max={1} value={progressRatio(replay)} aria-label={t("replay.progressLabel")} />
      <p className="replay-count">{t("replay.progress", { replayed: fmt.number(replay.replayed), matched: fmt.number(replay.matched) })}</p>
      {/* Said once per change of status, not on every tick of the count. */}
      <p className="visually-hidden" role="status">
        {t(REPLAY_STATUS[replay.status])}
      </p>
      {canManage && running && (
        <Button
          variant="danger"
          busy={cancel.busy}
          busyLabel={t("replay.cancelling")}
          onClick={async () => {
            const cancelled = await cancel.perform();
            if (cancelled) onChange(cancelled);
          }}
        >
          {t("replay.cancel")}
        </Button>
      )}
      {cancel.error && <Notice kind="error">{t("replay.cancelFailed", { message: describeError(cancel.error, { t, fmt }) })}</Notice>}
      {pollError && running && <Notice kind="warning">{t("replay.pollFailed", { message: describeError(pollError, { t, fmt }) })}</Notice>}
    </div>
  );
}
