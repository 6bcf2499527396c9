import { useEffect, useRef, useState, type FormEvent } from "react";
import { unwrap } from "../api/client";
import { useAction } from "../api/resource";
import type { CreatedWebhook, Dialect, EventType, Webhook } from "../api/types";
import { EventTypePicker } from "../catalog/EventTypePicker";
import { useI18n } from "../i18n/i18n";
import { Button } from "../ui/Button";
import { CodeBlock } from "../ui/CodeBlock";
import { describeError } from "../ui/describe-error";
import { Field } from "../ui/Field";
import { fieldErrorTexts } from "../ui/field-error";
import { Notice } from "../ui/Notice";
import { readHandshakeFailure } from "./handshake-failure";
import { DIALECT_LABEL } from "./labels";

/**
 * The dialects offered here. `custom` needs dialect options the portal does not edit; such
 * webhooks are made over the API (and still shown and edited here).
 */
const FORM_DIALECTS: Dialect[] = ["meta", "standard-webhooks", "slack", "telegram", "wappcloud", "oblic", "oneroute"];
/** Dialects whose handshake needs the customer's own token: hookrelay never generates one for them. */
export const TOKEN_REQUIRED: Dialect[] = ["meta", "slack"];
/** Form fields the API's `body.<field>` errors are shown next to. */
const FIELDS = ["url", "verifyToken", "dialect", "description", "eventTypes"];

interface Props {
  catalog: EventType[];
  /** Absent when adding a webhook. */
  webhook?: Webhook;
  onSaved(result: CreatedWebhook | Webhook): void;
  onCancel(): void;
}

export function WebhookForm({ catalog, webhook, onSaved, onCancel }: Props) {
  const { t, fmt } = useI18n();
  const [url, setUrl] = useState(webhook?.url ?? "");
  const [verifyToken, setVerifyToken] = useState("");
  const [dialect, setDialect] = useState<Dialect>(webhook?.dialect ?? "meta");
  const [description, setDescription] = useState(webhook?.description ?? "");
  const [eventTypes, setEventTypes] = useState<string[]>(webhook?.eventTypes ?? []);
  const problem = useRef<HTMLDivElement>(null);

  const save = useAction(async (api) => {
    if (!webhook) {
      const body = {
        url,
        eventTypes,
        dialect,
        ...(verifyToken ? { verifyToken } : {}),
        ...(description.trim() ? { description } : {}),
      };
      return unwrap(api.POST("/v1/webhooks", { body }));
    }
    // Only what changed: a new URL or token re-runs the handshake, so nothing else should.
    const same = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));
    const body = {
      ...(url !== webhook.url ? { url } : {}),
      ...(verifyToken ? { verifyToken } : {}),
      ...(!same(eventTypes, webhook.eventTypes) ? { eventTypes } : {}),
      ...(description !== (webhook.description ?? "") ? { description: description.trim() ? description : null } : {}),
    };
    return unwrap(api.PATCH("/v1/webhooks/{id}", { params: { path: { id: webhook.id } }, body }));
  });

  const error = save.error;
  const handshake = error ? readHandshakeFailure(error) : null;
  const fieldErrors = fieldErrorTexts(error, { t, fmt });
  const fieldsShown = Object.keys(fieldErrors).some((f) => FIELDS.includes(f));
  useEffect(() => {
    if (error) problem.current?.focus();
  }, [error]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const result = await save.perform();
    if (result) onSaved(result);
  };

  const tokenHint = webhook
    ? t("form.verifyTokenKeep", { hint: webhook.verifyTokenHint })
    : TOKEN_REQUIRED.includes(dialect)
      ? t("form.verifyTokenRequired")
      : t("form.verifyTokenOptional");

  return (
    <form className="form" onSubmit={submit} noValidate>
      <div ref={problem} tabIndex={-1} className="form-problem">
        {error?.status === 422 && (
          <Notice kind="error" title={error.code === "handshake_failed" ? t("form.handshakeFailed") : t("form.refused")}>
            <p className="lead">{describeError(error, { t, fmt })}</p>
            {handshake?.bodySnippet && (
              <>
                <p className="label">{t("form.handshakeBody")}</p>
                <CodeBlock text={handshake.bodySnippet} label={t("form.handshakeBody")} />
              </>
            )}
          </Notice>
        )}
        {error && error.status !== 422 && (
          <Notice kind="error">
            <p>{fieldsShown ? t("common.fieldErrors") : describeError(error, { t, fmt })}</p>
          </Notice>
        )}
      </div>

      <Field label={t("form.url")} hint={t("form.urlHint")} error={fieldErrors.url}>
        {(p) => <input {...p} type="url" inputMode="url" autoComplete="url" required value={url} onChange={(e) => setUrl(e.target.value)} />}
      </Field>

      <Field label={t("form.dialect")} hint={webhook ? t("form.dialectFixed") : undefined} error={fieldErrors.dialect}>
        {(p) =>
          webhook ? (
            <input {...p} readOnly value={t(DIALECT_LABEL[webhook.dialect])} />
          ) : (
            <select {...p} value={dialect} onChange={(e) => setDialect(e.target.value as Dialect)}>
              {FORM_DIALECTS.map((d) => (
                <option key={d} value={d}>
                  {t(DIALECT_LABEL[d])}
                </option>
              ))}
            </select>
          )
        }
      </Field>

      <Field label={t("form.verifyToken")} hint={tokenHint} error={fieldErrors.verifyToken}>
        {(p) => (
          <input {...p} className="mono" autoComplete="off" spellCheck={false} value={verifyToken} onChange={(e) => setVerifyToken(e.target.value)} />
        )}
      </Field>

      <Field label={t("form.description")} error={fieldErrors.description}>
        {(p) => <input {...p} value={description} onChange={(e) => setDescription(e.target.value)} />}
      </Field>

      <EventTypePicker catalog={catalog} selected={eventTypes} onChange={setEventTypes} error={fieldErrors.eventTypes} />

      <div className="actions">
        <Button type="submit" variant="primary" busy={save.busy} busyLabel={t("form.saving")}>
          {webhook ? t("form.save") : t("form.create")}
        </Button>
        <Button onClick={onCancel} disabled={save.busy}>
          {t("common.cancel")}
        </Button>
      </div>
      {save.busy && (
        <p className="hint" role="status">
          {t("form.saving")}
        </p>
      )}
    </form>
  );
}
