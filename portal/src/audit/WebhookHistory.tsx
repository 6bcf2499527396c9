import { useId, type ReactNode } from "react";
import { unwrap } from "../api/client";
import { useResource } from "../api/resource";
import { useI18n } from "../i18n/i18n";
import { useSession } from "../session/session";
import { Empty, ResourceView } from "../ui/PageState";
import { STATUS_LABEL } from "../webhooks/labels";
import { historyLine, type FieldLine, type FieldValue, type HistoryLine, type Who } from "./history-text";

/** The latest changes; the API pages further (GET /v1/audit-log?targetId=…) for whoever needs more. */
const SHOWN = 20;

/** "3 minutes ago", with the exact time in the viewer's zone (and the UTC instant) on hover and for screen readers. */
function When({ iso }: { iso: string }) {
  const { fmt } = useI18n();
  const exact = fmt.dateTime(iso);
  const now = Math.max(Date.now(), Date.parse(iso));
  return (
    <time className="history-time" dateTime={iso} title={`${exact} (${new Date(iso).toISOString()})`}>
      {fmt.relative(iso, now)}
      <span className="visually-hidden"> ({exact})</span>
    </time>
  );
}

/** A message with one `{name}` filled by a node (a key's name, isolated so it keeps its own direction). */
function withSlot(message: string, slot: string, node: ReactNode): ReactNode {
  const [before, after = ""] = message.split(`{${slot}}`);
  return (
    <>
      {before}
      {node}
      {after}
    </>
  );
}

function WhoText({ who }: { who: Who }) {
  const { t } = useI18n();
  switch (who.kind) {
    case "apiKey":
      return <>{withSlot(t("history.by.apiKey"), "name", <bdi className="history-key">{who.name}</bdi>)}</>;
    case "admin":
      return <>{t("history.by.admin")}</>;
    case "portal":
      return <>{t("history.by.portal")}</>;
    case "you":
      return <>{t("history.by.you")}</>;
    case "system":
      return <>{t("history.by.system")}</>;
  }
}

function Value({ value }: { value: FieldValue }) {
  const { t, fmt } = useI18n();
  switch (value.kind) {
    case "none":
      return <span className="history-none">{t("history.none")}</span>;
    case "status":
      return <>{t(STATUS_LABEL[value.status])}</>;
    case "date":
      return <time dateTime={value.iso}>{fmt.dateTime(value.iso)}</time>;
    case "list":
      return (
        <bdi className="mono break" dir="ltr">
          {value.items.join(", ")}
        </bdi>
      );
    case "text":
      return (
        <bdi className="break" dir="auto">
          {value.text}
        </bdi>
      );
  }
}

function Field({ line }: { line: FieldLine }) {
  const { t, dir } = useI18n();
  const arrow = dir === "rtl" ? "←" : "→";
  return (
    <div className="history-field">
      <dt>{line.label ? t(line.label) : <code dir="ltr">{line.field}</code>}</dt>
      <dd>
        {line.kind === "secret" ? (
          <em>{t("history.changedSecret")}</em>
        ) : line.kind === "created" ? (
          <Value value={line.to} />
        ) : (
          <>
            <Value value={line.from} /> {arrow} <Value value={line.to} />
          </>
        )}
      </dd>
    </div>
  );
}

function HistoryItem({ line }: { line: HistoryLine }) {
  const { t } = useI18n();
  return (
    <li className="history-item">
      <span className={`badge history-badge badge-history-${line.tone}`}>{t(line.label)}</span>
      <div className="history-body">
        <p className="history-who">
          <WhoText who={line.who} />
        </p>
        {line.note && <p className="history-note">{withSlot(t(line.note.kind === "note" ? "history.note" : "history.reason"), line.note.kind, <bdi>{line.note.text}</bdi>)}</p>}
        {line.fields.length > 0 && (
          <dl className="history-fields">
            {line.fields.map((f) => (
              <Field key={f.field} line={f} />
            ))}
          </dl>
        )}
      </div>
      <When iso={line.at} />
    </li>
  );
}

/**
 * The webhook page's History: every recorded change to this webhook, newest first, with who
 * made it (an API key by name, the operator, the portal, hookrelay itself) and which fields
 * changed. Read-only sessions see it too; secrets only ever read "changed".
 */
export function WebhookHistory({ webhookId, version }: { webhookId: string; version: string }) {
  const { t } = useI18n();
  const { session } = useSession();
  const titleId = useId();
  // `version` (the webhook's updatedAt): a change made on this page shows up at once.
  const entries = useResource(`history:${webhookId}:${version}`, (api, signal) =>
    unwrap(api.GET("/v1/audit-log", { params: { query: { targetId: webhookId, limit: SHOWN } }, signal })),
  );
  return (
    <section className="panel" aria-labelledby={titleId}>
      <h2 id={titleId}>{t("history.title")}</h2>
      <ResourceView resource={entries.state} onRetry={entries.reload}>
        {(page) =>
          page.data.length === 0 ? (
            <Empty title={t("history.emptyTitle")}>
              <p>{t("history.emptyBody")}</p>
            </Empty>
          ) : (
            <ol className="history">
              {page.data.map((e) => (
                <HistoryItem key={e.id} line={historyLine(e, session?.id ?? null)} />
              ))}
            </ol>
          )
        }
      </ResourceView>
    </section>
  );
}
