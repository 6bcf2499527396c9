import { Link, useParams } from "react-router";
import { unwrap } from "../api/client";
import { useResource } from "../api/resource";
import { useTitle } from "../app/title";
import { DELIVERY_STATUS } from "../deliveries/labels";
import { useI18n } from "../i18n/i18n";
import { CodeBlock } from "../ui/CodeBlock";
import { Empty, ErrorState, Loading, TableScroll } from "../ui/PageState";
import { Time } from "../ui/Time";

/** `/events/:id`: the payload and where it was delivered. */
export function EventPage() {
  const { t, fmt } = useI18n();
  const { id = "" } = useParams();
  const event = useResource(`event:${id}`, (api, signal) => unwrap(api.GET("/v1/events/{id}", { params: { path: { id } }, signal })));
  const state = event.state;
  useTitle(state.status === "ready" ? t("event.title", { type: state.data.type }) : t("events.title"));

  if (state.status === "loading") return <Loading />;
  if (state.status === "error") return <ErrorState error={state.error} onRetry={event.reload} heading />;
  const e = state.data;
  return (
    <>
      <h1>{t("event.title", { type: e.type })}</h1>
      <dl className="facts facts-inline">
        <div>
          <dt>{t("events.id")}</dt>
          <dd className="mono break">{e.id}</dd>
        </div>
        <div>
          <dt>{t("events.time")}</dt>
          <dd>
            <Time iso={e.createdAt} />
          </dd>
        </div>
        {e.isTest && (
          <div>
            <dt>{t("common.test")}</dt>
            <dd>✓</dd>
          </div>
        )}
      </dl>
      <section className="panel" aria-labelledby="payload-title">
        <h2 id="payload-title">{t("event.payload")}</h2>
        <CodeBlock text={JSON.stringify(e.data, null, 2) ?? ""} label={`${t("event.payload")}: ${e.id}`} />
      </section>
      <section className="panel" aria-labelledby="deliveries-title">
        <h2 id="deliveries-title">{t("event.deliveries")}</h2>
        {e.deliveries.length === 0 ? (
          <Empty title={t("event.noDeliveries")} />
        ) : (
          <TableScroll label={t("event.deliveriesTable")}>
            <table className="table table-wide">
              <caption className="visually-hidden">{t("event.deliveriesTable")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("attempt.webhook")}</th>
                  <th scope="col">{t("event.deliveryStatus")}</th>
                  <th scope="col">{t("event.attempts")}</th>
                  <th scope="col">{t("event.lastStatusCode")}</th>
                  <th scope="col">{t("event.lastAttempt")}</th>
                </tr>
              </thead>
              <tbody>
                {e.deliveries.map((d) => (
                  <tr key={d.id}>
                    <td className="mono">
                      <Link to={`/webhooks/${d.webhookId}/log?eventType=${encodeURIComponent(d.eventType)}`}>{d.webhookId}</Link>
                    </td>
                    <td>{t(DELIVERY_STATUS[d.status])}</td>
                    <td>{fmt.number(d.attemptCount)}</td>
                    <td className="mono">{d.lastStatusCode ?? "—"}</td>
                    <td>
                      <Time iso={d.lastAttemptAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </section>
    </>
  );
}
