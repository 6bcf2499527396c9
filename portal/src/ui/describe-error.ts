import { NETWORK_ERROR, type ApiError } from "../api/errors";
import type { Translate } from "../i18n/i18n";

/** An ApiError in plain words for the viewer: our own text for generic cases, the API's message otherwise. */
export function describeError(error: ApiError, t: Translate): string {
  if (error.code === NETWORK_ERROR) return t("error.network");
  if (error.code === "read_only_session") return t("error.readOnly");
  if (error.status === 429) return t("error.rateLimited");
  if (error.status === 503) return t("error.unavailable");
  if (error.status >= 500 || !error.message) return t("error.server", { status: error.status });
  return error.message;
}
