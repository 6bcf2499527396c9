import { useId, useState } from "react";
import { unwrap } from "../api/client";
import { useResource } from "../api/resource";
import type { Replay, Webhook } from "../api/types";
import { DELIVERY_STATUS } from "../deliveries/labels";
import { useI18n } from "../i18n/i18n";
import { useSession } from "../session/session";
import { Empty, ResourceView, TableScroll } from "../ui/PageState";
import { Time } from "../ui/Time";
import { REPLAY_STATUS, REPLAY_TONE } from "./labels";
import { ReplayForm } from "./ReplayForm";
import { ReplayProgress } from "./ReplayProgress";
import { REPLAYS_ANCHOR } from "./replay-request";

/** How many the webhook page lists: the latest; the API pages further for whoever needs more. */
const SHOWN = 5;

function RecentReplays({ replays }: { replays: Replay[] }) {
  const { t, fmt } = useI18n();
  const statusText = (s: string) => (Object.hasOwn(DELIVERY_STATUS, s) ? t(DELIVERY_STATUS[s as keyof typeof DELIVERY_STATUS]) : s);
  if (replays.length === 0) return <Empty title={t("replay.none")} />;
  return (
    <TableScroll label={t("replay.recent")}>
      <table className="table table-wide">
        <caption className="visually-hidden">{t("replay.recent")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("replay.col.started")}</th>
            <th scope="col">{t("replay.col.from")}</th>
            <th scope="col">{t("replay.col.until")}</th>
            <th scope="col">{t("replay.col.statuses")}</th>
            <th scope="col">{t("replay.col.eventTypes")}</th>
            <th scope="col">{t("replay.col.progress")}</th>
            <th scope="col">{t("replay.col.status")}</th>
          </tr>
        </thead>
        <tbody>
          {replays.map((r) => (
            <tr key={r.id}>
              <td>
                <Time iso={r.createdAt} />
              </td>
              <td>
                <Time iso={r.since} />
              </td>
              <td>
                <Time iso={r.until} />
              </td>
              <td>{fmt.andList(r.statuses.map(statusText))}</td>
              <td>{r.eventTypes.length === 0 ? t("log.allEventTypes") : <bdi className="mono">{r.eventTypes.join(", ")}</bdi>}</td>
              <td>{t("replay.progress", { replayed: fmt.number(r.replayed), matched: fmt.number(r.matched) })}</td>
              <td>
                <span className={`badge ${REPLAY_TONE[r.status]}`}>{t(REPLAY_STATUS[r.status])}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

interface Props {
  webhook: Webhook;
  /** The replay this page started or is following (the re-enable banner's, say); else the newest running one. */
  active: Replay | null;
  onActive(replay: Replay): void;
}

/**
 * The webhook page's replays: "Replay…" (manage sessions, active webhooks) opens the form; the
 * replay under way shows its progress and Cancel; the latest ones are listed, and the list is
 * read again whenever the one followed changes status.
 */
export function ReplayPanel({ webhook, active, onActive }: Props) {
  const { t } = useI18n();
  const { canManage } = useSession();
  const titleId = useId();
  const formId = useId();
  const [open, setOpen] = useState(false);
  const version = active ? `${active.id}:${active.status}` : "";
  const list = useResource(`replays:${webhook.id}:${version}`, (api, signal) =>
    unwrap(api.GET("/v1/webhooks/{id}/replays", { params: { path: { id: webhook.id }, query: { limit: SHOWN } }, signal })),
  );
  const listed = list.state.status === "ready" ? list.state.data.data : [];
  // Opened while one runs (a reload, another tab): follow it.
  const followed = active ?? listed.find((r) => r.status === "running") ?? null;

  return (
    <section className="panel" id={REPLAYS_ANCHOR} aria-labelledby={titleId}>
      <h2 id={titleId}>{t("replay.title")}</h2>
      <p>{t("replay.intro")}</p>
      {canManage &&
        (webhook.status === "active" ? (
          <div className="actions">
            <button type="button" className="btn btn-secondary" aria-expanded={open} aria-controls={formId} onClick={() => setOpen((o) => !o)}>
              {t("replay.open")}
            </button>
          </div>
        ) : (
          <p className="hint">{t("replay.resumeFirst")}</p>
        ))}
      <div id={formId}>
        {open && canManage && (
          <ReplayForm
            webhook={webhook}
            onClose={() => setOpen(false)}
            onStarted={(replay) => {
              setOpen(false);
              onActive(replay);
            }}
          />
        )}
      </div>
      {followed && <ReplayProgress key={followed.id} replay={followed} onChange={onActive} />}
      <h3>{t("replay.recent")}</h3>
      <ResourceView resource={list.state} onRetry={list.reload}>
        {(page) => <RecentReplays replays={page.data.map((r) => (followed && r.id === followed.id ? followed : r))} />}
      </ResourceView>
    </section>
  );
}
