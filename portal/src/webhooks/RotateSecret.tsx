import { useId, useState, type FormEvent } from "react";
import { unwrap } from "../api/client";
import { useAction } from "../api/resource";
import type { Webhook } from "../api/types";
import { useI18n } from "../i18n/i18n";
import type { MessageKey } from "../i18n/en";
import { Button } from "../ui/Button";
import { describeError } from "../ui/describe-error";
import { Field } from "../ui/Field";
import { fieldErrorTexts } from "../ui/field-error";
import { Notice } from "../ui/Notice";
import { SecretOnce } from "../ui/SecretOnce";
import { Time } from "../ui/Time";
import { TOKEN_REQUIRED } from "./WebhookForm";

const GRACE: { seconds: number; label: MessageKey }[] = [
  { seconds: 0, label: "rotate.grace0" },
  { seconds: 3600, label: "rotate.grace1h" },
  { seconds: 86_400, label: "rotate.grace24h" },
  { seconds: 604_800, label: "rotate.grace7d" },
];

/** Replaces the secret; the new one is shown once, with until when the old one still works. */
export function RotateSecret({ webhook, onChange }: { webhook: Webhook; onChange(w: Webhook): void }) {
  const { t, fmt } = useI18n();
  const titleId = useId();
  const [grace, setGrace] = useState(86_400);
  const [secret, setSecret] = useState("");
  const rotate = useAction((api, graceSeconds: number, given: string) =>
    unwrap(
      api.POST("/v1/webhooks/{id}/rotate-secret", {
        params: { path: { id: webhook.id } },
        body: { graceSeconds, ...(given ? { secret: given } : {}) },
      }),
    ),
  );
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const rotated = await rotate.perform(grace, secret);
    if (rotated) {
      setSecret("");
      onChange(rotated.webhook);
    }
  };
  const fieldErrors = fieldErrorTexts(rotate.error, { t, fmt });
  const rotated = rotate.result;
  return (
    <section className="panel" aria-labelledby={titleId}>
      <h2 id={titleId}>{t("rotate.title")}</h2>
      <p>{t("rotate.intro")}</p>
      {!rotated && webhook.previousSecretExpiresAt && (
        <p>
          {t("rotate.pending")} <Time iso={webhook.previousSecretExpiresAt} />
        </p>
      )}
      <form className="form-stacked" onSubmit={submit}>
        <Field label={t("rotate.grace")}>
          {(p) => (
            <select {...p} value={grace} onChange={(e) => setGrace(Number(e.target.value))}>
              {GRACE.map((g) => (
                <option key={g.seconds} value={g.seconds}>
                  {t(g.label)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label={t("rotate.secret")}
          hint={TOKEN_REQUIRED.includes(webhook.dialect) ? t("form.verifyTokenRequired") : t("form.verifyTokenOptional")}
          error={fieldErrors.secret}
        >
          {(p) => <input {...p} className="mono" autoComplete="off" spellCheck={false} value={secret} onChange={(e) => setSecret(e.target.value)} />}
        </Field>
        <Button type="submit" busy={rotate.busy} busyLabel={t("rotate.rotating")}>
          {t("rotate.submit")}
        </Button>
      </form>
      {rotate.error && <Notice kind="error">{describeError(rotate.error, { t, fmt })}</Notice>}
      {rotated && (
        <Notice kind="success" title={t("form.secretTitle")}>
          <p>{t("form.secretBody")}</p>
          <SecretOnce secret={rotated.secret} label={t("rotate.newSecret")} />
          <p>
            {rotated.previousSecretExpiresAt ? (
              <>
                {t("rotate.oldUntil")} <Time iso={rotated.previousSecretExpiresAt} />
              </>
            ) : (
              t("rotate.oldStopped")
            )}
          </p>
        </Notice>
      )}
    </section>
  );
}
