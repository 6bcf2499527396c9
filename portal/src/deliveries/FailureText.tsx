import { useI18n } from "../i18n/i18n";
import { failureText, readFailure } from "./failure";

/**
 * A failed attempt's description (lastError, an attempt's or a probe's error) in the viewer's
 * language; a form the portal does not know stays the server's text, isolated so its own
 * direction holds inside a right-to-left page.
 */
export function FailureText({ text }: { text: string }) {
  const { t, fmt } = useI18n();
  return readFailure(text).kind === "unread" ? <bdi>{text}</bdi> : <>{failureText(text, t, fmt)}</>;
}
