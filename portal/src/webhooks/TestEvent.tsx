import { useId, useState, type FormEvent } from "react";
import { unwrap } from "../api/client";
import { useAction } from "../api/resource";
import type { Webhook } from "../api/types";
import { FailureText } from "../deliveries/FailureText";
import { useI18n } from "../i18n/i18n";
import { Button } from "../ui/Button";
import { CodeBlock, prettyJson } from "../ui/CodeBlock";
import { describeError } from "../ui/describe-error";
import { Field } from "../ui/Field";
import { Notice } from "../ui/Notice";

/** Sends one test event of a chosen type and shows what the endpoint answered, inline. */
export function TestEvent({ webhook }: { webhook: Webhook }) {
  const { t, fmt } = useI18n();
  const titleId = useId();
  const [eventType, setEventType] = useState(webhook.eventTypes[0] ?? "");
  const send = useAction((api, type: string) =>
    unwrap(api.POST("/v1/webhooks/{id}/test", { params: { path: { id: webhook.id } }, body: type ? { eventType: type } : {} })),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void send.perform(eventType);
  };
  const result = send.result;
  return (
    <section className="panel" aria-labelledby={titleId}>
      <h2 id={titleId}>{t("test.title")}</h2>
      <p>{t("test.intro")}</p>
      <form className="form-inline" onSubmit={submit}>
        <Field label={t("test.eventType")}>
          {(p) => (
            <select {...p} value={eventType} onChange={(e) => setEventType(e.target.value)}>
              {webhook.eventTypes.map((type) => (
                <option key={type} value={type}>
                  {type}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Button type="submit" variant="primary" busy={send.busy} busyLabel={t("test.sending")}>
          {t("test.send")}
        </Button>
      </form>
      {send.error && <Notice kind="error">{describeError(send.error, { t, fmt })}</Notice>}
      {result && (
        <Notice kind={result.success ? "success" : "error"} title={result.success ? t("test.ok") : t("test.failed")}>
          <dl className="facts facts-inline">
            <div>
              <dt>{t("test.status")}</dt>
              <dd className="mono">{result.statusCode ?? t("test.noResponse")}</dd>
            </div>
            <div>
              <dt>{t("test.time")}</dt>
              <dd>{fmt.ms(result.responseTimeMs)}</dd>
            </div>
          </dl>
          {result.error && (
            <p>
              <strong>{t("test.error")}:</strong> <span className="break">
                <FailureText text={result.error} />
              </span>
            </p>
          )}
          {result.responseBody !== undefined && (
            <>
              <p className="label">{t("test.responseBody")}</p>
              <CodeBlock text={result.responseBody === "" ? t("common.empty") : (prettyJson(result.responseBody) ?? result.responseBody)} label={t("test.responseBody")} />
            </>
          )}
        </Notice>
      )}
    </section>
  );
}
