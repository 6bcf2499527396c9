import { useTitle } from "../app/title";
import { useI18n } from "../i18n/i18n";
import { Empty, ResourceView } from "../ui/PageState";
import { useCatalog } from "./catalog";
import { eventTypeDescription } from "./description";
import { Sample } from "./Sample";

/** `/catalog`: every event type a webhook can subscribe to, with its description and sample. */
export function CatalogPage() {
  const { t } = useI18n();
  useTitle(t("catalog.title"));
  const catalog = useCatalog();
  return (
    <>
      <h1>{t("catalog.title")}</h1>
      <p className="muted">{t("catalog.intro")}</p>
      <ResourceView resource={catalog.state} onRetry={catalog.reload}>
        {(types) =>
          types.length === 0 ? (
            <Empty title={t("catalog.emptyTitle")}>
              <p>{t("catalog.emptyBody")}</p>
            </Empty>
          ) : (
            <ul className="cards">
              {types.map((type) => (
                <li key={type.name} className="card">
                  <h2 className="card-title mono">
                    {type.name}
                    {type.builtIn && <span className="badge badge-test">{t("catalog.builtIn")}</span>}
                  </h2>
                  <p>{eventTypeDescription(type, t)}</p>
                  <Sample type={type} noSample={t("catalog.noSample")} />
                </li>
              ))}
            </ul>
          )
        }
      </ResourceView>
    </>
  );
}
