import { useI18n } from "../i18n/i18n";
import type { EventType } from "../api/types";
import { CodeBlock } from "../ui/CodeBlock";

/** An event type's sample payload, behind a disclosure; `noSample` says what shows without one. */
export function Sample({ type, noSample }: { type: EventType; noSample?: string }) {
  const { t } = useI18n();
  if (!type.sample) return <p className="hint">{noSample ?? t("form.noSample")}</p>;
  return (
    <details className="sample">
      <summary>
        {t("catalog.sample")}
        <span className="visually-hidden">: {type.name}</span>
      </summary>
      <CodeBlock text={JSON.stringify(type.sample, null, 2)} label={`${t("catalog.sample")}: ${type.name}`} />
    </details>
  );
}
