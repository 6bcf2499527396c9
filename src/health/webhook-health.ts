/**
 * What the dashboard shows next to a webhook. Pure: derived from the stored counters, never
 * stored itself, so it cannot disagree with them.
 */
export type WebhookHealth = "healthy" | "warning" | "disabled";

export function webhookHealth(
  status: "active" | "disabled" | "deleted",
  consecutiveFailures: number,
  warningThreshold: number,
): WebhookHealth {
  // A deleted webhook gets nothing, like a disabled one; it is not a state of health of its own.
  if (status !== "active") return "disabled";
  return consecutiveFailures >= warningThreshold ? "warning" : "healthy";
}
