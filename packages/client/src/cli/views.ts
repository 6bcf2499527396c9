import type { AcceptedEvent, Attempt, Delivery, TestEventResult, Webhook } from "../index";
import { clockTime, dash, keyValues, shortTime, table, truncate } from "./output";

/** How API objects read in a terminal. Pure: each returns the text a command prints. */

export function webhookTable(webhooks: Webhook[]): string {
  if (webhooks.length === 0) return "no webhooks";
  return table(
    ["ID", "STATUS", "HEALTH", "DIALECT", "EVENT TYPES", "URL"],
    webhooks.map((w) => [w.id, w.status, w.health, w.dialect, truncate(w.eventTypes.join(","), 40), w.url]),
  );
}

export function webhookDetail(w: Webhook & { secret?: string }): string {
  return keyValues([
    ["id", w.id],
    ["url", w.url],
    ["description", w.description ?? undefined],
    ["dialect", w.dialect],
    ["event types", w.eventTypes.join(", ")],
    ["status", w.disabledReason ? `${w.status} (${w.disabledReason})` : w.status],
    ["health", w.health],
    ["verified", shortTime(w.verifiedAt)],
    ["failures", w.consecutiveFailures > 0 ? `${w.consecutiveFailures} in a row since ${shortTime(w.failingSince)}` : undefined],
    ["last error", w.lastError ?? undefined],
    ["last success", w.lastSuccessAt ? shortTime(w.lastSuccessAt) : undefined],
    ["secret", w.secret ? `${w.secret}  (shown once: keep it now)` : `…${w.verifyTokenHint.replace(/^…/, "")}`],
    ["created", shortTime(w.createdAt)],
  ]);
}

/** An attempt's answer in a few characters: the status, or the error class. */
export function attemptOutcome(a: Pick<Attempt, "success" | "statusCode" | "error">): string {
  if (a.statusCode !== null) return String(a.statusCode);
  return a.error?.class ?? (a.success ? "ok" : "failed");
}

export function attemptTable(attempts: Attempt[]): string {
  if (attempts.length === 0) return "no attempts";
  return table(
    ["TIME", "EVENT TYPE", "RESULT", "MS", "ATTEMPT", "DELIVERY", "ID"],
    attempts.map((a) => [
      shortTime(a.timestamp),
      a.isTest ? `${a.eventType} (test)` : a.eventType,
      `${a.success ? "ok" : "failed"} ${attemptOutcome(a)}`,
      String(a.responseTimeMs),
      String(a.attemptNumber),
      a.deliveryId,
      a.id,
    ]),
  );
}

/** One line of `deliveries tail`, with the webhook since the stream spans several. */
export function tailLine(a: Attempt, webhookId: string): string {
  const when = clockTime(new Date(a.timestamp));
  const result = `${a.success ? "ok" : "failed"} ${attemptOutcome(a)}`.padEnd(10);
  const error = !a.success && a.error ? `  ${truncate(a.error.message, 80)}` : "";
  return `${when}  ${webhookId}  ${a.eventType.padEnd(22)}  ${result}  ${String(a.responseTimeMs).padStart(5)} ms  #${a.attemptNumber}  ${a.deliveryId}  ${a.id}${error}`;
}

export function deliveryDetail(d: Delivery & { attempts: Attempt[] }): string {
  const head = keyValues([
    ["id", d.id],
    ["webhook", d.webhookId],
    ["event", `${d.eventId} (${d.eventType})${d.isTest ? " test" : ""}`],
    ["status", d.status],
    ["attempts", String(d.attemptCount)],
    ["last status", d.lastStatusCode !== null ? String(d.lastStatusCode) : undefined],
    ["last error", d.lastError ?? undefined],
    ["next attempt", d.nextAttemptAt ? shortTime(d.nextAttemptAt) : undefined],
    ["created", shortTime(d.createdAt)],
  ]);
  return `${head}\n\n${attemptTable(d.attempts)}`;
}

export function deliverySummary(d: Delivery, verb: string): string {
  return `${verb} ${d.id} (${d.eventType} to ${d.webhookId}): ${d.status}${d.nextAttemptAt ? `, next attempt ${shortTime(d.nextAttemptAt)}` : ""}`;
}

export function acceptedEvent(e: AcceptedEvent): string {
  return keyValues([
    ["id", e.id],
    ["type", e.type],
    ["created", shortTime(e.createdAt)],
    ["deliveries", String(e.deliveries)],
    ["idempotency key", dash(e.idempotencyKey)],
  ]);
}

export function testResult(r: TestEventResult): string {
  const answer = r.statusCode !== null ? `answered ${r.statusCode}` : `failed: ${dash(r.error)}`;
  const lines = [`${r.success ? "ok" : "FAILED"}: the endpoint ${answer} in ${r.responseTimeMs} ms`, `delivery ${r.deliveryId}, event ${r.eventId}`];
  if (r.responseBody) lines.push(`body: ${truncate(r.responseBody.replace(/\s+/g, " "), 200)}`);
  return lines.join("\n");
}
