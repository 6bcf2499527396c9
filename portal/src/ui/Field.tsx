import { useId, type ReactNode } from "react";
import type { FieldErrorText } from "./field-error";

export interface ControlProps {
  id: string;
  "aria-invalid": boolean | undefined;
  "aria-describedby": string | undefined;
}

interface Props {
  label: string;
  hint?: string;
  /** The API's error for this field (ui/field-error.ts), shown under it and tied to the control. */
  error?: FieldErrorText;
  children: (control: ControlProps) => ReactNode;
}

/** The server's English is isolated, so it reads whole inside a right-to-left page. */
function ErrorText({ error }: { error: FieldErrorText }) {
  return error.fromServer ? <bdi lang="en">{error.text}</bdi> : <>{error.text}</>;
}

/** A labelled control with its hint and its error, both read out with the control. */
export function Field({ label, hint, error, children }: Props) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(" ") || undefined;
  return (
    <div className={`field${error ? " field-invalid" : ""}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, "aria-invalid": error ? true : undefined, "aria-describedby": describedBy })}
      {error && (
        <p id={errorId} className="field-error">
          <ErrorText error={error} />
        </p>
      )}
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
    </div>
  );
}

/** A group of checkboxes (or radios) under one legend, with the same error and hint wiring. */
export function FieldSet({ legend, hint, error, children }: { legend: string; hint?: string; error?: FieldErrorText; children: (describedBy: string | undefined) => ReactNode }) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(" ") || undefined;
  return (
    <fieldset className={`field${error ? " field-invalid" : ""}`} aria-describedby={describedBy} aria-invalid={error ? true : undefined}>
      <legend>{legend}</legend>
      {hint && (
        <p id={hintId} className="hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="field-error">
          <ErrorText error={error} />
        </p>
      )}
      {children(describedBy)}
    </fieldset>
  );
}
