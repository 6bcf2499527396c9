import type { ReactNode } from "react";

/**
 * A message that appears after something happened: `alert` for failures (announced at once),
 * `status` for outcomes (announced politely).
 */
export function Notice({ kind, title, children }: { kind: "error" | "success" | "warning" | "info"; title?: string; children?: ReactNode }) {
  return (
    <div className={`notice notice-${kind}`} role={kind === "error" ? "alert" : "status"}>
      {title && <p className="notice-title">{title}</p>}
      {children}
    </div>
  );
}
