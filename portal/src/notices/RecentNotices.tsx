import { useId } from "react";
import { Link } from "react-router";
import { unwrap } from "../api/client";
import { useResource } from "../api/resource";
import type { Notice } from "../api/types";
import { FailureText } from "../deliveries/FailureText";
import { useI18n } from "../i18n/i18n";
import { INTL_TAG } from "../i18n/locale";
import { Empty, ResourceView } from "../ui/PageState";
import { NoticeIcon } from "./NoticeIcon";
import { NOTICE_KIND, NOTICE_TYPES, noticeSentence, sentenceParts } from "./notice-text";

/** How many the webhook page shows: the latest; the API pages further for whoever needs more. */
const SHOWN = 10;

/** "3 minutes ago", with the exact time in the viewer's zone (and the UTC instant) on hover and for screen readers. */
function When({ iso }: { iso: string }) {
  const { fmt } = useI18n();
  const exact = fmt.dateTime(iso);
  // A server clock a little ahead of the viewer's would make a fresh notice read "in 2 seconds".
  const now = Math.max(Date.now(), Date.parse(iso));
  return (
    <time className="notice-log-time" dateTime={iso} title={`${exact} (${new Date(iso).toISOString()})`}>
      {fmt.relative(iso, now)}
      <span className="visually-hidden"> ({exact})</span>
    </time>
  );
}

function NoticeItem({ notice }: { notice: Notice }) {
  const { t, fmt } = useI18n();
  const kind = NOTICE_KIND[notice.type];
  const said = noticeSentence(notice, t, fmt);
  return (
    <li className="notice-log-item">
      <span className={`badge notice-log-badge badge-notice-${kind.tone}`}>
        <NoticeIcon tone={kind.tone} />
        {t(kind.label)}
      </span>
      <div className="notice-log-body">
        <p className="notice-log-text">
          {sentenceParts(said).map((part, i) =>
            part.kind === "delivery" ? (
              <Link key={i} to={`/deliveries/${part.value}`} className="mono break" dir="ltr">
                {part.value}
              </Link>
            ) : part.kind === "reason" ? (
              <bdi key={i}>{part.value}</bdi>
            ) : (
              part.value
            ),
          )}
        </p>
        {said.lastError && (
          <p className="notice-log-detail">
            {t("webhooks.lastError")}: <FailureText text={said.lastError} />
          </p>
        )}
      </div>
      <When iso={notice.createdAt} />
    </li>
  );
}

/** The empty state's list of the four types, each as code, joined in the viewer's language ("a, b, c, or d"). */
function TypeList() {
  const { locale } = useI18n();
  const parts = new Intl.ListFormat(INTL_TAG[locale], { type: "disjunction" }).formatToParts(NOTICE_TYPES);
  return (
    <>
      {parts.map((p, i) =>
        p.type === "element" ? (
          <code key={i} dir="ltr">
            {p.value}
          </code>
        ) : (
          p.value
        ),
      )}
    </>
  );
}

function NoNotices() {
  const { t } = useI18n();
  const [before, after = ""] = t("notices.emptyBody").split("{types}");
  return (
    <Empty title={t("notices.emptyTitle")}>
      <p>
        {before}
        <TypeList />
        {after}
      </p>
    </Empty>
  );
}

/**
 * The webhook page's recent notices: what hookrelay said about this endpoint (failing,
 * recovered, disabled, a delivery it gave up on), newest first, in the viewer's language.
 */
export function RecentNotices({ webhookId }: { webhookId: string }) {
  const { t } = useI18n();
  const titleId = useId();
  const notices = useResource(`notices:${webhookId}`, (api, signal) =>
    unwrap(api.GET("/v1/webhooks/{id}/notices", { params: { path: { id: webhookId }, query: { limit: SHOWN } }, signal })),
  );
  return (
    <section className="panel" aria-labelledby={titleId}>
      <h2 id={titleId}>{t("notices.title")}</h2>
      <ResourceView resource={notices.state} onRetry={notices.reload}>
        {(page) =>
          page.data.length === 0 ? (
            <NoNotices />
          ) : (
            <ol className="notice-log">
              {page.data.map((n) => (
                <NoticeItem key={n.id} notice={n} />
              ))}
            </ol>
          )
        }
      </ResourceView>
    </section>
  );
}
