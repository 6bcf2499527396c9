import { Link, useParams, useSearchParams } from "react-router";
import { unwrap } from "../api/client";
import { usePagedList, useResource } from "../api/resource";
import type { Attempt } from "../api/types";
import { useTitle } from "../app/title";
import { useI18n } from "../i18n/i18n";
import { FailureText } from "./FailureText";
import { Button } from "../ui/Button";
import { describeError } from "../ui/describe-error";
import { FilterForm } from "../ui/FilterForm";
import { readFilters } from "../ui/filters";
import { Notice } from "../ui/Notice";
import { Empty, ErrorState, Loading, ResourceView, TableScroll } from "../ui/PageState";
import { Time } from "../ui/Time";

const FILTERS = ["eventType", "outcome", "from", "to"] as const;

function AttemptRow({ attempt }: { attempt: Attempt }) {
  const { t, fmt } = useI18n();
  return (
    <tr>
      <td>
        <Link to={`/attempts/${attempt.id}`} aria-label={t("log.attemptLink", { eventType: attempt.eventType, time: fmt.dateTime(attempt.timestamp) })}>
          <Time iso={attempt.timestamp} />
        </Link>
      </td>
      <td className="mono">
        {attempt.eventType}
        {attempt.isTest && <span className="badge badge-test">{t("common.test")}</span>}
      </td>
      <td className="mono">{attempt.statusCode ?? "—"}</td>
      <td>{fmt.ms(attempt.responseTimeMs)}</td>
      <td>
        <span className={`badge ${attempt.success ? "badge-healthy" : "badge-warning"}`}>{attempt.success ? t("outcome.success") : t("outcome.failure")}</span>
        {attempt.error && <span className="cell-note break">
            <FailureText text={attempt.error.message} />
          </span>}
      </td>
      <td>{fmt.number(attempt.attemptNumber)}</td>
    </tr>
  );
}

/** `/webhooks/:id/log`: attempts newest first, filtered by what the query string says. */
export function DeliveryLogPage() {
  const { t, fmt } = useI18n();
  const { id = "" } = useParams();
  const [params] = useSearchParams();
  const filters = readFilters(params, FILTERS);
  const webhook = useResource(`webhook:${id}`, (api, signal) => unwrap(api.GET("/v1/webhooks/{id}", { params: { path: { id } }, signal })));
  const log = usePagedList<Attempt>(`log:${id}:${params.toString()}`, (api, cursor, signal) =>
    unwrap(
      api.GET("/v1/webhooks/{id}/deliveries", {
        params: { path: { id }, query: { ...filters, outcome: filters.outcome as "success" | "failure" | undefined, limit: 50, cursor } },
        signal,
      }),
    ),
  );
  useTitle(t("log.title"));

  if (webhook.state.status === "loading") return <Loading />;
  if (webhook.state.status === "error") return <ErrorState error={webhook.state.error} onRetry={webhook.reload} heading />;
  const w = webhook.state.data;
  const filtered = Object.keys(filters).length > 0;
  const logError = log.state.status === "error" ? log.state.error : null;

  return (
    <>
      <div className="page-head">
        <h1>{t("log.title")}</h1>
        <Link to={`/webhooks/${w.id}`} className="break">
          <bdi>{w.url}</bdi>
        </Link>
      </div>
      <p className="muted break">{t("log.for", { url: w.url })}</p>
      {w.status === "deleted" && <Notice kind="info">{t("log.deleted")}</Notice>}
      <FilterForm
        error={logError}
        selects={[
          { name: "eventType", label: t("log.eventType"), allLabel: t("log.allEventTypes"), options: w.eventTypes.map((e) => ({ value: e, label: e })) },
          {
            name: "outcome",
            label: t("log.outcome"),
            allLabel: t("log.allOutcomes"),
            options: [
              { value: "success", label: t("outcome.success") },
              { value: "failure", label: t("outcome.failure") },
            ],
          },
        ]}
      />
      <ResourceView resource={log.state} onRetry={log.reload}>
        {(page) =>
          page.data.length === 0 ? (
            filtered ? (
              <Empty title={t("log.emptyFiltered")} />
            ) : (
              <Empty title={t("log.emptyTitle")}>
                <p>{t("log.emptyBody")}</p>
              </Empty>
            )
          ) : (
            <>
              <TableScroll label={t("log.table")}>
                <table className="table table-wide">
                  <caption className="visually-hidden">{t("log.table")}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("log.time")}</th>
                      <th scope="col">{t("log.eventType")}</th>
                      <th scope="col">{t("log.statusCode")}</th>
                      <th scope="col">{t("log.responseTime")}</th>
                      <th scope="col">{t("log.outcome")}</th>
                      <th scope="col">{t("log.attempt")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.data.map((a) => (
                      <AttemptRow key={a.id} attempt={a} />
                    ))}
                  </tbody>
                </table>
              </TableScroll>
              {page.nextCursor && (
                <Button onClick={log.loadMore} busy={log.more.busy} busyLabel={t("common.loadingMore")}>
                  {t("common.loadMore")}
                </Button>
              )}
              {log.more.error && <Notice kind="error">{describeError(log.more.error, { t, fmt })}</Notice>}
            </>
          )
        }
      </ResourceView>
    </>
  );
}
