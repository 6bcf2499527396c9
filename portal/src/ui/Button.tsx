import type { ButtonHTMLAttributes } from "react";

interface Props extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: "primary" | "secondary" | "danger";
  /** Shown instead of the label while busy; the button is disabled meanwhile. */
  busyLabel?: string;
  busy?: boolean;
}

export function Button({ variant = "secondary", busy = false, busyLabel, children, disabled, type = "button", className, ...rest }: Props) {
  return (
    <button
      {...rest}
      type={type}
      className={`btn btn-${variant}${className ? ` ${className}` : ""}`}
      disabled={disabled || busy}
      aria-busy={busy || undefined}
    >
      {busy && busyLabel ? busyLabel : children}
    </button>
  );
}
