import { Link, useSearchParams } from "react-router";
import { unwrap } from "../api/client";
import { usePagedList } from "../api/resource";
import type { EventSummary } from "../api/types";
import { useTitle } from "../app/title";
import { useCatalog } from "../catalog/catalog";
import { useI18n } from "../i18n/i18n";
import { Button } from "../ui/Button";
import { describeError } from "../ui/describe-error";
import { FilterForm } from "../ui/FilterForm";
import { readFilters } from "../ui/filters";
import { Notice } from "../ui/Notice";
import { Empty, ResourceView, TableScroll } from "../ui/PageState";
import { Time } from "../ui/Time";

const FILTERS = ["type", "from", "to"] as const;

/** `/events`: what the product emitted, newest first, filtered by the query string. */
export function EventsPage() {
  const { t, fmt } = useI18n();
  useTitle(t("events.title"));
  const [params] = useSearchParams();
  const filters = readFilters(params, FILTERS);
  const catalog = useCatalog();
  const events = usePagedList<EventSummary>(`events:${params.toString()}`, (api, cursor, signal) =>
    unwrap(api.GET("/v1/events", { params: { query: { ...filters, limit: 50, cursor } }, signal })),
  );
  const types = catalog.state.status === "ready" ? catalog.state.data.map((c) => ({ value: c.name, label: c.name })) : [];
  const filtered = Object.keys(filters).length > 0;

  return (
    <>
      <h1>{t("events.title")}</h1>
      <p className="muted">{t("events.intro")}</p>
      <FilterForm
        error={events.state.status === "error" ? events.state.error : null}
        selects={[{ name: "type", label: t("events.type"), allLabel: t("events.allTypes"), options: types }]}
      />
      <ResourceView resource={events.state} onRetry={events.reload}>
        {(page) =>
          page.data.length === 0 ? (
            filtered ? (
              <Empty title={t("events.emptyFiltered")} />
            ) : (
              <Empty title={t("events.emptyTitle")}>
                <p>{t("events.emptyBody")}</p>
              </Empty>
            )
          ) : (
            <>
              <TableScroll label={t("events.table")}>
                <table className="table table-wide">
                  <caption className="visually-hidden">{t("events.table")}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("events.time")}</th>
                      <th scope="col">{t("events.type")}</th>
                      <th scope="col">{t("events.id")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.data.map((e) => (
                      <tr key={e.id}>
                        <td>
                          <Time iso={e.createdAt} />
                        </td>
                        <td className="mono">
                          {e.type}
                          {e.isTest && <span className="badge badge-test">{t("common.test")}</span>}
                        </td>
                        <td className="mono">
                          <Link to={`/events/${e.id}`}>{e.id}</Link>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableScroll>
              {page.nextCursor && (
                <Button onClick={events.loadMore} busy={events.more.busy} busyLabel={t("common.loadingMore")}>
                  {t("common.loadMore")}
                </Button>
              )}
              {events.more.error && <Notice kind="error">{describeError(events.more.error, { t, fmt })}</Notice>}
            </>
          )
        }
      </ResourceView>
    </>
  );
}
