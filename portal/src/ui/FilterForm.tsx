import { useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import type { ApiError } from "../api/errors";
import { useI18n } from "../i18n/i18n";
import { Button } from "./Button";
import { Field } from "./Field";
import { fieldErrorTexts } from "./field-error";
import { isoToLocalInput, localInputToIso, readFilters, toSearch } from "./filters";

export interface SelectFilter {
  name: string;
  label: string;
  allLabel: string;
  options: { value: string; label: string }[];
}

interface Props {
  selects: SelectFilter[];
  /** The API's 400 for the current filters: its field errors go next to the fields. */
  error?: ApiError | null;
}

/** Filters kept in the query string: Apply writes them there, the list reads them back. */
export function FilterForm({ selects, error }: Props) {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const names = [...selects.map((s) => s.name), "from", "to"];
  return <Draft key={params.toString()} selects={selects} initial={readFilters(params, names)} error={error} onApply={(f) => setParams(toSearch(f))} t={t} />;
}

function Draft({ selects, initial, error, onApply, t }: Props & { initial: Record<string, string | undefined>; onApply(f: Record<string, string | undefined>): void; t: ReturnType<typeof useI18n>["t"] }) {
  const [values, setValues] = useState<Record<string, string>>(() => {
    const v: Record<string, string> = {};
    for (const s of selects) v[s.name] = initial[s.name] ?? "";
    v.from = isoToLocalInput(initial.from);
    v.to = isoToLocalInput(initial.to);
    return v;
  });
  const fieldErrors = fieldErrorTexts(error, useI18n());
  const set = (name: string, value: string) => setValues((v) => ({ ...v, [name]: value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply({ ...values, from: localInputToIso(values.from ?? ""), to: localInputToIso(values.to ?? "") });
  };
  const filtered = Object.values(initial).some(Boolean);
  return (
    <form className="filters" onSubmit={submit} aria-label={t("log.filters")}>
      {selects.map((s) => (
        <Field key={s.name} label={s.label} error={fieldErrors[s.name]}>
          {(p) => (
            <select {...p} value={values[s.name] ?? ""} onChange={(e) => set(s.name, e.target.value)}>
              <option value="">{s.allLabel}</option>
              {withCurrent(s.options, values[s.name]).map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          )}
        </Field>
      ))}
      <Field label={t("log.from")} error={fieldErrors.from}>
        {(p) => <input {...p} type="datetime-local" value={values.from ?? ""} onChange={(e) => set("from", e.target.value)} />}
      </Field>
      <Field label={t("log.to")} error={fieldErrors.to}>
        {(p) => <input {...p} type="datetime-local" value={values.to ?? ""} onChange={(e) => set("to", e.target.value)} />}
      </Field>
      <div className="actions">
        <Button type="submit" variant="primary">
          {t("log.apply")}
        </Button>
        {filtered && <Button onClick={() => onApply({})}>{t("log.clear")}</Button>}
      </div>
    </form>
  );
}

/** A value from the address that the options lack (an old type, say) stays selectable. */
function withCurrent(options: SelectFilter["options"], current: string | undefined): SelectFilter["options"] {
  if (!current || options.some((o) => o.value === current)) return options;
  return [...options, { value: current, label: current }];
}
