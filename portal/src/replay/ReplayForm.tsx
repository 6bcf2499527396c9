import { useState, type FormEvent } from "react";
import { unwrap } from "../api/client";
import { useAction } from "../api/resource";
import type { Replay, Webhook } from "../api/types";
import { DELIVERY_STATUS } from "../deliveries/labels";
import { useI18n } from "../i18n/i18n";
import { Button } from "../ui/Button";
import { describeError } from "../ui/describe-error";
import { Field, FieldSet } from "../ui/Field";
import { fieldErrorTexts } from "../ui/field-error";
import { Notice } from "../ui/Notice";
import { initialDraft, isDryRun, REPLAYABLE_STATUSES, replayBody, runningReplayId, type ReplayableStatus, type ReplayDraft } from "./replay-request";

interface Props {
  webhook: Webhook;
  onStarted(replay: Replay): void;
  onClose(): void;
}

/**
 * Which deliveries to send again: a range of the events' creation times, how the deliveries
 * ended, optionally which event types. "Count" asks the API for a dry run; "Start replay" starts
 * it (the same replay asked for twice is the one already running, never a second).
 */
export function ReplayForm({ webhook, onStarted, onClose }: Props) {
  const { t, fmt } = useI18n();
  const [draft, setDraft] = useState<ReplayDraft>(() => initialDraft(Date.now()));
  const [asked, setAsked] = useState<"count" | "start">("count");
  const send = useAction((api, dryRun: boolean) => unwrap(api.POST("/v1/webhooks/{id}/replay", { params: { path: { id: webhook.id } }, body: replayBody(draft, dryRun) })));
  const running = useAction((api, id: string) => unwrap(api.GET("/v1/replays/{id}", { params: { path: { id } } })));
  const fieldErrors = fieldErrorTexts(send.error, { t, fmt });
  const fieldsShown = Object.keys(fieldErrors).length > 0;
  const runningId = runningReplayId(send.error);
  const counted = send.result && isDryRun(send.result) ? send.result : null;

  const change = (next: Partial<ReplayDraft>) => {
    setDraft((d) => ({ ...d, ...next }));
    // A count is of the filters it was made with.
    send.reset();
  };
  const run = async (dryRun: boolean) => {
    setAsked(dryRun ? "count" : "start");
    const answer = await send.perform(dryRun);
    if (answer && !isDryRun(answer)) onStarted(answer);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(false);
  };
  const toggleStatus = (status: ReplayableStatus, on: boolean) => {
    const current = draft.statuses === "all" ? [...REPLAYABLE_STATUSES] : draft.statuses;
    change({ statuses: on ? REPLAYABLE_STATUSES.filter((s) => s === status || current.includes(s)) : current.filter((s) => s !== status) });
  };
  const toggleType = (type: string, on: boolean) => change({ eventTypes: on ? [...draft.eventTypes, type] : draft.eventTypes.filter((x) => x !== type) });

  return (
    <form className="replay-form" onSubmit={submit} noValidate aria-label={t("replay.formLabel")}>
      <div className="replay-range">
        <Field label={t("replay.since")} hint={t("replay.sinceHint")} error={fieldErrors.since}>
          {(p) => <input {...p} type="datetime-local" required value={draft.since} onChange={(e) => change({ since: e.target.value })} />}
        </Field>
        <Field label={t("replay.until")} hint={t("replay.untilHint")} error={fieldErrors.until}>
          {(p) => <input {...p} type="datetime-local" value={draft.until} onChange={(e) => change({ until: e.target.value })} />}
        </Field>
      </div>

      <FieldSet legend={t("replay.statuses")} error={fieldErrors.statuses}>
        {() => (
          <ul className="choices">
            <li>
              <label className="check">
                <input type="checkbox" checked={draft.statuses === "all"} onChange={(e) => change({ statuses: e.currentTarget.checked ? "all" : ["failed"] })} />
                {t("replay.allStatuses")}
              </label>
            </li>
            {REPLAYABLE_STATUSES.map((status) => (
              <li key={status}>
                <label className="check">
                  <input
                    type="checkbox"
                    checked={draft.statuses === "all" || draft.statuses.includes(status)}
                    disabled={draft.statuses === "all"}
                    onChange={(e) => toggleStatus(status, e.currentTarget.checked)}
                  />
                  {t(DELIVERY_STATUS[status])}
                </label>
              </li>
            ))}
          </ul>
        )}
      </FieldSet>

      <FieldSet legend={t("replay.eventTypes")} hint={t("replay.eventTypesHint")} error={fieldErrors.eventTypes}>
        {() => (
          <ul className="choices">
            {webhook.eventTypes.map((type) => (
              <li key={type}>
                <label className="check">
                  <input type="checkbox" checked={draft.eventTypes.includes(type)} onChange={(e) => toggleType(type, e.currentTarget.checked)} />
                  <span className="mono">{type}</span>
                </label>
              </li>
            ))}
          </ul>
        )}
      </FieldSet>

      {counted && (
        <Notice kind="info" title={counted.matched === 0 ? t("replay.matchedNone") : t("replay.matched", { count: fmt.number(counted.matched) })}>
          <p>{t("replay.matchedRange", { since: fmt.dateTime(counted.since), until: fmt.dateTime(counted.until) })}</p>
        </Notice>
      )}
      {send.error && !fieldsShown && (
        <Notice kind="error">
          <p>{runningId ? t("replay.inProgress") : t("replay.failed", { message: describeError(send.error, { t, fmt }) })}</p>
          {runningId && (
            <Button
              busy={running.busy}
              onClick={async () => {
                const replay = await running.perform(runningId);
                if (replay) onStarted(replay);
              }}
            >
              {t("replay.showRunning")}
            </Button>
          )}
        </Notice>
      )}
      {fieldsShown && <Notice kind="error">{t("common.fieldErrors")}</Notice>}

      <div className="actions">
        <Button onClick={() => void run(true)} busy={send.busy && asked === "count"} disabled={send.busy} busyLabel={t("replay.counting")}>
          {t("replay.count")}
        </Button>
        <Button type="submit" variant="primary" busy={send.busy && asked === "start"} disabled={send.busy} busyLabel={t("replay.starting")}>
          {t("replay.start")}
        </Button>
        <Button onClick={onClose} disabled={send.busy}>
          {t("common.cancel")}
        </Button>
      </div>
    </form>
  );
}
