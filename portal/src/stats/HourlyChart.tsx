import { useId } from "react";
import type { WebhookStats } from "../api/types";
import { useI18n } from "../i18n/i18n";
import { TableScroll } from "../ui/PageState";

const HEIGHT = 120;

/**
 * Attempts per hour as stacked bars (successes under failures) in plain SVG, with the same
 * numbers as a table behind a disclosure: the chart's text alternative.
 */
export function HourlyChart({ stats }: { stats: WebhookStats }) {
  const { t, fmt } = useI18n();
  const summaryId = useId();
  const hours = stats.hourly;
  const max = Math.max(1, ...hours.map((h) => h.successes + h.failures));
  const slot = 10;
  const bar = hours.length > 48 ? 8 : 7;
  const width = Math.max(1, hours.length) * slot;
  const summary = t("stats.chartSummary", {
    from: fmt.dateTime(stats.from),
    to: fmt.dateTime(stats.to),
    attempts: fmt.number(stats.attempts),
    successes: fmt.number(stats.successes),
    failures: fmt.number(stats.failures),
  });
  return (
    <figure className="chart">
      <figcaption>
        <span className="chart-title">{t("stats.chartTitle")}</span>
        <span className="legend">
          <span className="swatch swatch-success" aria-hidden="true" /> {t("stats.successes")}
          <span className="swatch swatch-failure" aria-hidden="true" /> {t("stats.failures")}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${width} ${HEIGHT}`} preserveAspectRatio="none" role="img" aria-labelledby={summaryId} className="chart-svg">
        <line x1="0" y1={HEIGHT - 0.5} x2={width} y2={HEIGHT - 0.5} className="chart-axis" />
        {hours.map((h, i) => {
          const ok = (h.successes / max) * (HEIGHT - 2);
          const bad = (h.failures / max) * (HEIGHT - 2);
          const x = i * slot + (slot - bar) / 2;
          return (
            <g key={h.hour}>
              {h.successes > 0 && <rect x={x} y={HEIGHT - 1 - ok} width={bar} height={ok} className="bar-success" />}
              {h.failures > 0 && <rect x={x} y={HEIGHT - 1 - ok - bad} width={bar} height={bad} className="bar-failure" />}
            </g>
          );
        })}
      </svg>
      <div className="chart-range" aria-hidden="true">
        <span>{fmt.hour(stats.from)}</span>
        <span>{fmt.hour(stats.to)}</span>
      </div>
      <p id={summaryId} className="hint">
        {summary}
      </p>
      <details>
        <summary>{t("stats.showTable")}</summary>
        <TableScroll label={t("stats.chartTitle")}>
          <table className="table">
            <caption className="visually-hidden">{t("stats.chartTitle")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("stats.hour")}</th>
                <th scope="col">{t("stats.successes")}</th>
                <th scope="col">{t("stats.failures")}</th>
              </tr>
            </thead>
            <tbody>
              {hours.map((h) => (
                <tr key={h.hour}>
                  <th scope="row">
                    <time dateTime={h.hour} title={h.hour}>
                      {fmt.hour(h.hour)}
                    </time>
                  </th>
                  <td>{fmt.number(h.successes)}</td>
                  <td>{fmt.number(h.failures)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </details>
    </figure>
  );
}
