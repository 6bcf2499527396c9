import { Navigate, Outlet, Route, Routes } from "react-router";
import { CatalogPage } from "../catalog/CatalogPage";
import { AttemptPage } from "../deliveries/AttemptPage";
import { DeliveryLogPage } from "../deliveries/DeliveryLogPage";
import { DeliveryPage } from "../deliveries/DeliveryPage";
import { EventPage } from "../events/EventPage";
import { EventsPage } from "../events/EventsPage";
import { I18nProvider, useI18n } from "../i18n/i18n";
import { resolveLocale } from "../i18n/locale";
import { useSession } from "../session/session";
import { CheckingPage, LinkRefusedPage, MessagePage, SessionFailedPage } from "../session/SessionPages";
import { SignInPage } from "../session/SignInPage";
import { NotFound } from "../ui/PageState";
import { EditWebhookPage, NewWebhookPage } from "../webhooks/WebhookFormPage";
import { WebhookPage } from "../webhooks/WebhookPage";
import { WebhooksPage } from "../webhooks/WebhooksPage";
import { Shell } from "./Shell";
import { useTitle } from "./title";

/** The signed-in pages, or the page that says why there is no session. */
function SignedIn() {
  const { state, retry } = useSession();
  switch (state.status) {
    case "checking":
      return <CheckingPage title="state.loading" />;
    case "signed-in":
      return (
        <Shell>
          <Outlet />
        </Shell>
      );
    case "none":
      return <MessagePage title="session.none.title" body="session.none.body" />;
    case "ended":
      return <MessagePage title="session.ended.title" body="session.ended.body" />;
    case "signed-out":
      return <MessagePage title="session.signedOut.title" body="session.signedOut.body" />;
    case "link-refused":
      return <LinkRefusedPage reason={state.reason} />;
    case "failed":
      return <SessionFailedPage error={state.error} onRetry={retry} />;
  }
}

function NotFoundPage() {
  const { t } = useI18n();
  useTitle(t("notFound.title"));
  return <NotFound />;
}

export function App({ linkToken }: { linkToken: string | null }) {
  const { session } = useSession();
  const locale = resolveLocale(session?.locale, navigator.languages ?? [navigator.language]);
  return (
    <I18nProvider locale={locale}>
      <Routes>
        <Route path="signin" element={<SignInPage linkToken={linkToken} />} />
        <Route element={<SignedIn />}>
          <Route index element={<Navigate to="/webhooks" replace />} />
          <Route path="webhooks" element={<WebhooksPage />} />
          <Route path="webhooks/new" element={<NewWebhookPage />} />
          <Route path="webhooks/:id" element={<WebhookPage />} />
          <Route path="webhooks/:id/edit" element={<EditWebhookPage />} />
          <Route path="webhooks/:id/log" element={<DeliveryLogPage />} />
          <Route path="deliveries/:id" element={<DeliveryPage />} />
          <Route path="attempts/:id" element={<AttemptPage />} />
          <Route path="events" element={<EventsPage />} />
          <Route path="events/:id" element={<EventPage />} />
          <Route path="catalog" element={<CatalogPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </I18nProvider>
  );
}
