import { NETWORK_ERROR, type ApiError } from "../api/errors";
import type { Formatters } from "../i18n/format";
import type { Translate } from "../i18n/translate";
import { handshakeFailureText, readHandshakeFailure } from "../webhooks/handshake-failure";

/**
 * An ApiError in plain words for the viewer: our own text for generic cases and for a failed
 * handshake (from its `details`), the API's message otherwise.
 */
export function describeError(error: ApiError, { t, fmt }: { t: Translate; fmt: Pick<Formatters, "seconds"> }): string {
  if (error.code === NETWORK_ERROR) return t("error.network");
  if (error.code === "read_only_session") return t("error.readOnly");
  if (error.status === 429) return t("error.rateLimited");
  if (error.status === 503) return t("error.unavailable");
  if (error.status >= 500 || !error.message) return t("error.server", { status: error.status });
  const handshake = readHandshakeFailure(error);
  if (handshake) return handshakeFailureText(handshake, t, fmt);
  return error.message;
}
