import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { unwrap } from "../api/client";
import { useResource } from "../api/resource";
import type { CreatedWebhook } from "../api/types";
import { useTitle } from "../app/title";
import { useCatalog } from "../catalog/catalog";
import { useI18n } from "../i18n/i18n";
import { useSession } from "../session/session";
import { Notice } from "../ui/Notice";
import { ErrorState, Loading, ResourceView } from "../ui/PageState";
import { SecretOnce } from "../ui/SecretOnce";
import { WebhookForm } from "./WebhookForm";

function ReadOnlyNotice() {
  const { t } = useI18n();
  return <Notice kind="info">{t("error.readOnly")}</Notice>;
}

export function NewWebhookPage() {
  const { t } = useI18n();
  const { canManage } = useSession();
  const navigate = useNavigate();
  useTitle(t("form.addTitle"));
  const catalog = useCatalog();
  const [created, setCreated] = useState<CreatedWebhook | null>(null);

  if (created?.secret) {
    return (
      <>
        <h1>{t("form.addTitle")}</h1>
        <Notice kind="success" title={t("form.secretTitle")}>
          <p>{t("form.secretBody")}</p>
          <SecretOnce secret={created.secret} label={t("form.secretLabel")} />
          <p>
            <Link to={`/webhooks/${created.id}`}>{t("form.secretContinue")}</Link>
          </p>
        </Notice>
      </>
    );
  }
  return (
    <>
      <h1>{t("form.addTitle")}</h1>
      {!canManage ? (
        <ReadOnlyNotice />
      ) : (
        <ResourceView resource={catalog.state} onRetry={catalog.reload}>
          {(types) => (
            <WebhookForm
              catalog={types}
              onCancel={() => navigate("/webhooks")}
              onSaved={(result) => {
                const made = result as CreatedWebhook;
                if (made.secret) setCreated(made);
                else navigate(`/webhooks/${made.id}`);
              }}
            />
          )}
        </ResourceView>
      )}
    </>
  );
}

export function EditWebhookPage() {
  const { t } = useI18n();
  const { canManage } = useSession();
  const { id = "" } = useParams();
  const navigate = useNavigate();
  useTitle(t("form.editTitle"));
  const catalog = useCatalog();
  const webhook = useResource(`webhook:${id}`, (api, signal) => unwrap(api.GET("/v1/webhooks/{id}", { params: { path: { id } }, signal })));

  if (webhook.state.status === "error") return <ErrorState error={webhook.state.error} onRetry={webhook.reload} heading />;
  return (
    <>
      <h1>{t("form.editTitle")}</h1>
      {!canManage ? (
        <ReadOnlyNotice />
      ) : webhook.state.status === "loading" ? (
        <Loading />
      ) : webhook.state.data.status === "deleted" ? (
        // Gone for changes (a PATCH answers 404): say so rather than offer a form that cannot save.
        <Notice kind="info">
          <p>{t("deleted.title")}</p>
          <p>
            <Link to={`/webhooks/${id}`}>{t("deleted.back")}</Link>
          </p>
        </Notice>
      ) : (
        <ResourceView resource={catalog.state} onRetry={catalog.reload}>
          {(types) =>
            webhook.state.status === "ready" && (
              <WebhookForm
                catalog={types}
                webhook={webhook.state.data}
                onCancel={() => navigate(`/webhooks/${id}`)}
                onSaved={() => navigate(`/webhooks/${id}`)}
              />
            )
          }
        </ResourceView>
      )}
    </>
  );
}
