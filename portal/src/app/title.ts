import { useI18n } from "../i18n/i18n";
import { useSession } from "../session/session";
import { usePageTitle } from "../ui/page-title";

/** Names the signed-in page in the tab: "<page> · <product>". */
export function useTitle(title: string) {
  const { t } = useI18n();
  const { session } = useSession();
  usePageTitle(title, session?.branding.productName || t("app.title"));
}
