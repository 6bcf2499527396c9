import type { Dialect, Webhook } from "../api/types";
import type { MessageKey } from "../i18n/en";

export const DIALECT_LABEL: Record<Dialect, MessageKey> = {
  meta: "dialect.meta",
  "standard-webhooks": "dialect.standard-webhooks",
  slack: "dialect.slack",
  telegram: "dialect.telegram",
  wappcloud: "dialect.wappcloud",
  oblic: "dialect.oblic",
  oneroute: "dialect.oneroute",
  custom: "dialect.custom",
};

export const HEALTH_LABEL: Record<Webhook["health"], MessageKey> = {
  healthy: "health.healthy",
  warning: "health.warning",
  disabled: "health.disabled",
};

export const STATUS_LABEL: Record<Webhook["status"], MessageKey> = {
  active: "status.active",
  disabled: "status.disabled",
  deleted: "status.deleted",
};
