import { AppError } from "../lib/errors";
import { customDialect, customGuide, CustomDialectOptions } from "./custom";
import { metaDialect, metaGuide } from "./meta";
import { oblicDialect, oblicGuide } from "./oblic";
import { oneRouteDialect, oneRouteGuide } from "./oneroute";
import { slackDialect, slackGuide } from "./slack";
import { standardWebhooksDialect, standardWebhooksGuide } from "./standard-webhooks";
import { telegramDialect, telegramGuide } from "./telegram";
import type { Dialect, DialectFactory, DialectName } from "./types";
import { wappcloudDialect, wappcloudGuide } from "./wappcloud";

const FACTORIES: Record<DialectName, DialectFactory> = {
  meta: metaDialect,
  wappcloud: wappcloudDialect,
  oneroute: oneRouteDialect,
  oblic: oblicDialect,
  slack: slackDialect,
  telegram: telegramDialect,
  "standard-webhooks": standardWebhooksDialect,
  custom: customDialect,
};

/** For each dialect, what its receivers do to verify a delivery; shown in the OpenAPI document. */
export const DIALECT_GUIDES: Record<DialectName, string> = {
  meta: metaGuide,
  wappcloud: wappcloudGuide,
  oneroute: oneRouteGuide,
  oblic: oblicGuide,
  slack: slackGuide,
  telegram: telegramGuide,
  "standard-webhooks": standardWebhooksGuide,
  custom: customGuide,
};

/** The dialect a webhook speaks, built from its stored name and options. */
export function dialectFor(webhook: { dialect: string; dialectOptions: unknown }, minSecretLength: number): Dialect {
  const factory = FACTORIES[webhook.dialect as DialectName];
  // A stored name we do not know is data corruption, not a client error.
  if (!factory) throw new Error(`unknown dialect "${webhook.dialect}"`);
  return factory({ minSecretLength, options: webhook.dialectOptions ?? undefined });
}

/** Checks a requested dialect and its options; the options come back normalized (or null). */
export function checkDialectChoice(dialect: DialectName, options: unknown): unknown {
  if (dialect === "custom") {
    const parsed = CustomDialectOptions.safeParse(options);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ field: ["body", "dialectOptions", ...i.path.map(String)].join("."), message: i.message, code: i.code }));
      throw new AppError(400, "validation_failed", issues.map((i) => `${i.field}: ${i.message}`).join("; "), { issues });
    }
    return parsed.data;
  }
  if (options !== undefined && options !== null) {
    throw new AppError(400, "validation_failed", "body.dialectOptions: only the custom dialect takes options", {
      issues: [{ field: "body.dialectOptions", message: "only the custom dialect takes options", code: "custom" }],
    });
  }
  return null;
}
