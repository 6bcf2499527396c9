import { useState } from "react";
import { Link, useParams } from "react-router";
import { unwrap } from "../api/client";
import { useResource } from "../api/resource";
import type { AttemptDetail } from "../api/types";
import { useTitle } from "../app/title";
import { useI18n } from "../i18n/i18n";
import { FailureText } from "./FailureText";
import { useSession } from "../session/session";
import { Button } from "../ui/Button";
import { CodeBlock, prettyJson } from "../ui/CodeBlock";
import { ErrorState, Loading, TableScroll } from "../ui/PageState";
import { Time } from "../ui/Time";
import { Redeliver } from "./Redeliver";

/** The body exactly as sent, formatted when it is JSON, with a switch to the raw bytes. */
function SentBody({ body }: { body: string }) {
  const { t } = useI18n();
  const pretty = prettyJson(body);
  const [raw, setRaw] = useState(pretty === null);
  return (
    <>
      <div className="subhead">
        <h3>{t("attempt.body")}</h3>
        {pretty !== null && (
          <Button onClick={() => setRaw((r) => !r)} aria-pressed={raw}>
            {t("attempt.showRaw")}
          </Button>
        )}
      </div>
      <CodeBlock text={body === "" ? t("common.empty") : raw || pretty === null ? body : pretty} label={t("attempt.body")} />
    </>
  );
}

function Request({ attempt }: { attempt: AttemptDetail }) {
  const { t } = useI18n();
  return (
    <section className="panel" aria-labelledby="request-title">
      <h2 id="request-title">{t("attempt.request")}</h2>
      <dl className="facts">
        <div>
          <dt>{t("attempt.url")}</dt>
          <dd className="mono break">{attempt.requestUrl}</dd>
        </div>
        <div>
          <dt>{t("log.time")}</dt>
          <dd>
            <Time iso={attempt.timestamp} />
          </dd>
        </div>
      </dl>
      <h3>{t("attempt.headers")}</h3>
      <p className="hint">{t("attempt.headersNote")}</p>
      <TableScroll label={t("attempt.headers")}>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t("attempt.header")}</th>
              <th scope="col">{t("attempt.value")}</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(attempt.requestHeaders).map(([name, value]) => (
              <tr key={name}>
                <th scope="row" className="mono">
                  {name}
                </th>
                <td className="mono break">{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <SentBody body={attempt.requestBody} />
    </section>
  );
}

function Response({ attempt }: { attempt: AttemptDetail }) {
  const { t, fmt } = useI18n();
  const body = attempt.responseBody;
  return (
    <section className="panel" aria-labelledby="response-title">
      <h2 id="response-title">{t("attempt.response")}</h2>
      <dl className="facts facts-inline">
        <div>
          <dt>{t("log.statusCode")}</dt>
          <dd className="mono">{attempt.statusCode ?? t("test.noResponse")}</dd>
        </div>
        <div>
          <dt>{t("log.responseTime")}</dt>
          <dd>{fmt.ms(attempt.responseTimeMs)}</dd>
        </div>
        <div>
          <dt>{t("log.outcome")}</dt>
          <dd>
            <span className={`badge ${attempt.success ? "badge-healthy" : "badge-warning"}`}>{attempt.success ? t("outcome.success") : t("outcome.failure")}</span>
          </dd>
        </div>
      </dl>
      {attempt.error && (
        <p>
          <strong>{t("test.error")}:</strong> <span className="break">
            <FailureText text={attempt.error.message} />
          </span>
        </p>
      )}
      <h3>{t("test.responseBody")}</h3>
      <CodeBlock text={body ? (prettyJson(body) ?? body) : t("common.empty")} label={t("test.responseBody")} />
    </section>
  );
}

/** `/attempts/:id`: exactly what was sent and what came back; Redeliver from here. */
export function AttemptPage() {
  const { t } = useI18n();
  const { canManage } = useSession();
  const { id = "" } = useParams();
  const attempt = useResource(`attempt:${id}`, (api, signal) => unwrap(api.GET("/v1/attempts/{id}", { params: { path: { id } }, signal })));
  const state = attempt.state;
  useTitle(state.status === "ready" ? t("attempt.title", { number: state.data.attemptNumber, eventType: state.data.eventType }) : t("log.title"));

  if (state.status === "loading") return <Loading />;
  if (state.status === "error") return <ErrorState error={state.error} onRetry={attempt.reload} heading />;
  const a = state.data;
  return (
    <>
      <div className="page-head">
        <h1>{t("attempt.title", { number: a.attemptNumber, eventType: a.eventType })}</h1>
        <Link to={`/webhooks/${a.webhookId}/log`}>{t("attempt.backToLog")}</Link>
      </div>
      <p className="muted">
        <Link to={`/events/${a.eventId}`}>
          {t("attempt.event")}: <span className="mono">{a.eventId}</span>
        </Link>
        {a.isTest && <span className="badge badge-test">{t("common.test")}</span>}
      </p>
      {canManage && <Redeliver deliveryId={a.deliveryId} webhookId={a.webhookId} />}
      <Request attempt={a} />
      <Response attempt={a} />
    </>
  );
}
