import type { Delivery } from "../api/types";
import type { MessageKey } from "../i18n/en";

export const DELIVERY_STATUS: Record<Delivery["status"], MessageKey> = {
  pending: "delivery.pending",
  succeeded: "delivery.succeeded",
  failed: "delivery.failed",
  skipped: "delivery.skipped",
  cancelled: "delivery.cancelled",
};
