import { useId } from "react";
import { failureText } from "../deliveries/failure";
import { FailureText } from "../deliveries/FailureText";
import { unwrap } from "../api/client";
import { useAction } from "../api/resource";
import type { SignatureCheck, Webhook } from "../api/types";
import { useI18n } from "../i18n/i18n";
import type { MessageKey } from "../i18n/en";
import { Button } from "../ui/Button";
import { describeError } from "../ui/describe-error";
import { Notice } from "../ui/Notice";

const VERDICT: Record<SignatureCheck["verdict"], { text: MessageKey; kind: "success" | "error" | "warning" }> = {
  verifies: { text: "check.verifies", kind: "success" },
  accepts_bad_signature: { text: "check.accepts_bad_signature", kind: "error" },
  rejects_good_signature: { text: "check.rejects_good_signature", kind: "error" },
  unreachable: { text: "check.unreachable", kind: "warning" },
};

function Probe({ label, probe }: { label: string; probe: SignatureCheck["good"] }) {
  const { t, fmt } = useI18n();
  return (
    <div>
      <dt>{label}</dt>
      <dd>
        {probe.accepted ? t("check.accepted") : t("check.rejected")} ·{" "}
        <span className="mono">{probe.statusCode ?? t("test.noResponse")}</span> · {fmt.ms(probe.responseTimeMs)}
        {probe.error && (
          <span className="break">
            {" "}
            · <FailureText text={probe.error} />
          </span>
        )}
      </dd>
    </div>
  );
}

/** "Check my endpoint": a correctly signed probe and a mis-signed one, and the verdict in plain words. */
export function CheckEndpoint({ webhook }: { webhook: Webhook }) {
  const { t, fmt } = useI18n();
  const titleId = useId();
  const check = useAction((api) => unwrap(api.POST("/v1/webhooks/{id}/check-signature", { params: { path: { id: webhook.id } } })));
  const result = check.result;
  const verdict = result ? VERDICT[result.verdict] : undefined;
  // The verdicts about the correctly signed request say what it got: its status, or why none came.
  const verdictText = (r: SignatureCheck, key: MessageKey) =>
    t(key, { status: r.good.statusCode ?? "—", cause: r.good.error ? failureText(r.good.error, t, fmt) : t("test.noResponse") });
  return (
    <section className="panel" aria-labelledby={titleId}>
      <h2 id={titleId}>{t("check.title")}</h2>
      <p>{t("check.intro")}</p>
      <Button busy={check.busy} busyLabel={t("check.running")} onClick={() => void check.perform()}>
        {t("check.run")}
      </Button>
      {check.error && <Notice kind="error">{describeError(check.error, { t, fmt })}</Notice>}
      {result && (
        <Notice kind={verdict?.kind ?? "info"}>
          <p className="lead">{verdict ? verdictText(result, verdict.text) : result.message}</p>
          <dl className="facts">
            <Probe label={t("check.good")} probe={result.good} />
            <Probe label={t("check.bad")} probe={result.bad} />
          </dl>
        </Notice>
      )}
    </section>
  );
}
