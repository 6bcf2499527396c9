import type { EventType } from "../api/types";
import { useI18n } from "../i18n/i18n";
import type { FieldErrorText } from "../ui/field-error";
import { FieldSet } from "../ui/Field";
import { eventTypeDescription } from "./description";
import { Sample } from "./Sample";

interface Props {
  catalog: EventType[];
  selected: string[];
  onChange(selected: string[]): void;
  error?: FieldErrorText;
  disabled?: boolean;
}

/** Event types as checkboxes, each with its description and sample payload. */
export function EventTypePicker({ catalog, selected, onChange, error, disabled }: Props) {
  const { t } = useI18n();
  // Subscriptions to names no longer in the catalog stay visible, so saving keeps or drops them knowingly.
  const unknown = selected.filter((name) => !catalog.some((c) => c.name === name));
  const toggle = (name: string, on: boolean) => onChange(on ? [...selected, name] : selected.filter((n) => n !== name));
  return (
    <FieldSet legend={t("form.eventTypes")} hint={t("form.eventTypesHint")} error={error}>
      {() =>
        catalog.length === 0 && unknown.length === 0 ? (
          <p className="hint">{t("form.noEventTypes")}</p>
        ) : (
          <ul className="picker">
            {catalog.map((type) => (
              <li key={type.name} className="picker-item">
                <label className="check">
                  <input
                    type="checkbox"
                    checked={selected.includes(type.name)}
                    disabled={disabled}
                    onChange={(e) => toggle(type.name, e.currentTarget.checked)}
                  />
                  <span className="mono">{type.name}</span>
                </label>
                <p className="picker-description">{eventTypeDescription(type, t)}</p>
                <Sample type={type} />
              </li>
            ))}
            {unknown.map((name) => (
              <li key={name} className="picker-item">
                <label className="check">
                  <input type="checkbox" checked disabled={disabled} onChange={(e) => toggle(name, e.currentTarget.checked)} />
                  <span className="mono">{name}</span>
                </label>
              </li>
            ))}
          </ul>
        )
      }
    </FieldSet>
  );
}
