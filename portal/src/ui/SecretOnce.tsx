import { useId } from "react";
import { useI18n } from "../i18n/i18n";
import { CopyButton } from "./CopyButton";

/** A secret shown this once: readable, selectable, with a Copy button. */
export function SecretOnce({ secret, label }: { secret: string; label: string }) {
  const { t } = useI18n();
  const id = useId();
  return (
    <div className="secret">
      <label htmlFor={id}>{label}</label>
      <div className="secret-row">
        <input id={id} className="mono" readOnly value={secret} onFocus={(e) => e.currentTarget.select()} />
        <CopyButton text={secret} label={`${t("common.copy")}: ${label}`} />
      </div>
    </div>
  );
}
