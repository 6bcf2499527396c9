/**
 * What the dashboard shows next to a webhook. Pure: derived from the stored counters, never
 * stored itself, so it cannot disagree with them.
 */
export type WebhookHealth = "healthy" | "warning" | "disabled";

export function webhookHealth(
  status: "active" | "disabled",
  consecutiveFailures: number,
  warningThreshold: number,
): WebhookHealth {
  if (status === "disabled") return "disabled";
  return consecutiveFailures >= warningThreshold ? "warning" : "healthy";
}
