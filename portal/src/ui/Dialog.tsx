import { useEffect, useId, useRef, type ReactNode } from "react";
import { useI18n } from "../i18n/i18n";

interface Props {
  open: boolean;
  title: string;
  onClose(): void;
  children: ReactNode;
  /** The dialog's buttons; focus goes to the one marked `data-autofocus` (the safe choice), else the first. */
  actions: ReactNode;
}

/**
 * A modal built on <dialog>: the page behind is inert (focus stays inside), Escape closes it,
 * and focus goes back to whatever opened it.
 */
export function Dialog({ open, title, onClose, children, actions }: Props) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<Element | null>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement;
      dialog.showModal();
      dialog.querySelector<HTMLElement>("[data-autofocus]")?.focus();
    } else if (!open && dialog.open) {
      dialog.close();
      if (opener.current instanceof HTMLElement) opener.current.focus();
    }
  }, [open]);

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      <div className="dialog-body">{children}</div>
      <div className="actions">{actions}</div>
      <button type="button" className="dialog-close" aria-label={t("common.close")} onClick={onClose}>
        ×
      </button>
    </dialog>
  );
}
