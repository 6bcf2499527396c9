import type { Webhook } from "../api/types";
import type { Formatters } from "../i18n/format";
import type { Translate } from "../i18n/translate";

/** How src/health/failure-tracker.ts stores a pause that came with the account's own note. */
const PAUSED_NOTE_PREFIX = "paused: ";

export interface DisabledReasonText {
  /** Why, in the viewer's language (or the server's own text for a reason it has no code for). */
  text: string;
  /** The account's note on a pause: its own words, shown as written. */
  note: string | null;
  /** True when `text` is the server's text, not the catalog's (it may be in another script than the page). */
  fromServer: boolean;
}

/** Why a webhook is disabled, read from `disabledReasonCode`; `disabledReason` only for the account's note or an unknown code. */
export function disabledReasonText(
  webhook: Pick<Webhook, "disabledReason" | "disabledReasonCode" | "consecutiveFailures">,
  t: Translate,
  fmt: Pick<Formatters, "number">,
): DisabledReasonText {
  const reason = webhook.disabledReason;
  const localized = (text: string, note: string | null = null) => ({ text, note, fromServer: false });
  switch (webhook.disabledReasonCode) {
    case "gone":
      return localized(t("disabled.gone"));
    case "failing":
      return localized(t("disabled.failing", { count: fmt.number(webhook.consecutiveFailures) }));
    case "paused": {
      const note = reason?.startsWith(PAUSED_NOTE_PREFIX) ? reason.slice(PAUSED_NOTE_PREFIX.length).trim() : "";
      return localized(t("disabled.paused"), note || null);
    }
    default:
      return reason ? { text: reason, note: null, fromServer: true } : localized(t("common.none"));
  }
}
