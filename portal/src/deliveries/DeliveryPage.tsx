import { Link, useParams } from "react-router";
import { unwrap } from "../api/client";
import { useResource } from "../api/resource";
import type { Delivery } from "../api/types";
import { useTitle } from "../app/title";
import { useI18n } from "../i18n/i18n";
import { useSession } from "../session/session";
import { Empty, ErrorState, Loading, TableScroll } from "../ui/PageState";
import { Time } from "../ui/Time";
import { FailureText } from "./FailureText";
import { DELIVERY_STATUS } from "./labels";
import { Redeliver } from "./Redeliver";

function Attempts({ delivery }: { delivery: Delivery }) {
  const { t, fmt } = useI18n();
  if (delivery.attempts.length === 0) return <Empty title={t("delivery.noAttempts")} />;
  return (
    <TableScroll label={t("delivery.attemptsTable")}>
      <table className="table table-wide">
        <caption className="visually-hidden">{t("delivery.attemptsTable")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("log.attempt")}</th>
            <th scope="col">{t("log.time")}</th>
            <th scope="col">{t("log.statusCode")}</th>
            <th scope="col">{t("log.responseTime")}</th>
            <th scope="col">{t("log.outcome")}</th>
          </tr>
        </thead>
        <tbody>
          {delivery.attempts.map((a) => (
            <tr key={a.id}>
              <td>{fmt.number(a.attemptNumber)}</td>
              <td>
                {/* As in the delivery log: the time opens the attempt. */}
                <Link to={`/attempts/${a.id}`} aria-label={t("delivery.attemptLink", { number: fmt.number(a.attemptNumber), time: fmt.dateTime(a.timestamp) })}>
                  <Time iso={a.timestamp} />
                </Link>
              </td>
              <td className="mono">{a.statusCode ?? "—"}</td>
              <td>{fmt.ms(a.responseTimeMs)}</td>
              <td>
                <span className={`badge ${a.success ? "badge-healthy" : "badge-warning"}`}>{a.success ? t("outcome.success") : t("outcome.failure")}</span>
                {a.error && (
                  <span className="cell-note break">
                    <FailureText text={a.error.message} />
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

/** `/deliveries/:id`: one delivery of an event to a webhook, every attempt it made, and Redeliver. */
export function DeliveryPage() {
  const { t, fmt } = useI18n();
  const { canManage } = useSession();
  const { id = "" } = useParams();
  const delivery = useResource(`delivery:${id}`, (api, signal) => unwrap(api.GET("/v1/deliveries/{id}", { params: { path: { id } }, signal })));
  const state = delivery.state;
  useTitle(state.status === "ready" ? t("delivery.title", { eventType: state.data.eventType }) : t("event.deliveries"));

  if (state.status === "loading") return <Loading />;
  if (state.status === "error") return <ErrorState error={state.error} onRetry={delivery.reload} heading />;
  const d = state.data;
  return (
    <>
      <div className="page-head">
        <h1 className="break">{t("delivery.title", { eventType: d.eventType })}</h1>
        <Link to={`/webhooks/${d.webhookId}/log`}>{t("attempt.backToLog")}</Link>
      </div>
      <dl className="facts facts-inline">
        <div>
          <dt>{t("delivery.id")}</dt>
          <dd className="mono break">{d.id}</dd>
        </div>
        <div>
          <dt>{t("event.deliveryStatus")}</dt>
          <dd>{t(DELIVERY_STATUS[d.status])}</dd>
        </div>
        <div>
          <dt>{t("event.attempts")}</dt>
          <dd>{fmt.number(d.attemptCount)}</dd>
        </div>
        <div>
          <dt>{t("attempt.event")}</dt>
          <dd className="mono break">
            <Link to={`/events/${d.eventId}`}>{d.eventId}</Link>
          </dd>
        </div>
        <div>
          <dt>{t("attempt.webhook")}</dt>
          <dd className="mono break">
            <Link to={`/webhooks/${d.webhookId}`}>{d.webhookId}</Link>
          </dd>
        </div>
        {d.lastError && (
          <div className="facts-wide">
            <dt>{t("webhooks.lastError")}</dt>
            <dd className="break">
              <FailureText text={d.lastError} />
            </dd>
          </div>
        )}
        {d.nextAttemptAt && (
          <div>
            <dt>{t("delivery.nextAttempt")}</dt>
            <dd>
              <Time iso={d.nextAttemptAt} />
            </dd>
          </div>
        )}
      </dl>
      {canManage && d.status !== "pending" && <Redeliver deliveryId={d.id} webhookId={d.webhookId} />}
      <section className="panel" aria-labelledby="delivery-attempts-title">
        <h2 id="delivery-attempts-title">{t("event.attempts")}</h2>
        <Attempts delivery={d} />
      </section>
    </>
  );
}
