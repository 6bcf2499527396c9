import { useId, useState } from "react";
import { unwrap } from "../api/client";
import { useResource } from "../api/resource";
import type { StatsWindow } from "../api/types";
import { useI18n } from "../i18n/i18n";
import { Empty, ResourceView } from "../ui/PageState";
import { HourlyChart } from "./HourlyChart";

/** Success rate, p50/p95 response time and attempts per hour, for the last 24 h or 7 d. */
export function StatsPanel({ webhookId }: { webhookId: string }) {
  const { t, fmt } = useI18n();
  const titleId = useId();
  const [period, setPeriod] = useState<StatsWindow>("24h");
  const stats = useResource(`stats:${webhookId}:${period}`, (api, signal) =>
    unwrap(api.GET("/v1/webhooks/{id}/stats", { params: { path: { id: webhookId }, query: { window: period } }, signal })),
  );
  const dash = "—";
  return (
    <section className="panel" aria-labelledby={titleId}>
      <h2 id={titleId}>{t("stats.title")}</h2>
      <div className="segmented" role="group" aria-label={t("stats.window")}>
        {(["24h", "7d"] as const).map((w) => (
          <button key={w} type="button" className="btn btn-secondary" aria-pressed={period === w} onClick={() => setPeriod(w)}>
            {w === "24h" ? t("stats.24h") : t("stats.7d")}
          </button>
        ))}
      </div>
      <ResourceView resource={stats.state} onRetry={stats.reload}>
        {(s) => (
          <>
            <dl className="stats">
              <div>
                <dt>{t("stats.attempts")}</dt>
                <dd>{fmt.number(s.attempts)}</dd>
              </div>
              <div>
                <dt>{t("stats.successRate")}</dt>
                <dd>{s.successRate === null ? dash : fmt.percent(s.successRate)}</dd>
              </div>
              <div>
                <dt>{t("stats.p50")}</dt>
                <dd>{s.p50Ms === null ? dash : fmt.ms(s.p50Ms)}</dd>
              </div>
              <div>
                <dt>{t("stats.p95")}</dt>
                <dd>{s.p95Ms === null ? dash : fmt.ms(s.p95Ms)}</dd>
              </div>
            </dl>
            {s.attempts === 0 ? <Empty title={t("stats.noData")} /> : <HourlyChart stats={s} />}
          </>
        )}
      </ResourceView>
    </section>
  );
}
