import { useState } from "react";
import { useI18n } from "../i18n/i18n";
import { Button } from "./Button";

/** Copies `text`; says so (politely announced), or says to copy by hand when the browser refuses. */
export function CopyButton({ text, label }: { text: string; label?: string }) {
  const { t } = useI18n();
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      setState("failed");
    }
  };
  return (
    <span className="copy">
      <Button onClick={copy} aria-label={label}>
        {t("common.copy")}
      </Button>
      <span role="status" className="copy-status">
        {state === "copied" ? t("common.copied") : state === "failed" ? t("common.copyFailed") : ""}
      </span>
    </span>
  );
}
