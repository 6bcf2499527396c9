import { useI18n } from "../i18n/i18n";

/** A date in the viewer's time zone; the exact UTC instant on hover and in `dateTime`. */
export function Time({ iso }: { iso: string | null | undefined }) {
  const { t, fmt } = useI18n();
  if (!iso) return <>{t("common.never")}</>;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return <>{iso}</>;
  const exact = date.toISOString();
  return (
    <time dateTime={exact} title={exact}>
      {fmt.dateTime(exact)}
    </time>
  );
}
