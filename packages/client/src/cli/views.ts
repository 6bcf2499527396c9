import type { AcceptedEvent, ApiKey, Attempt, AuditEntry, Delivery, IssuedApiKey, TestEventResult, Webhook } from "../index";
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
    ["deleted", w.deletedAt ? `${shortTime(w.deletedAt)} (its log stays readable until retention removes it)` : undefined],
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

/** Where a key stands at `now`: a rotated key works until its expiry. */
export function keyStatus(k: Pick<ApiKey, "revokedAt" | "expiresAt">, now: Date): string {
  if (k.revokedAt) return "revoked";
  if (k.expiresAt) return Date.parse(k.expiresAt) <= now.getTime() ? "expired" : `expires ${shortTime(k.expiresAt)}`;
  return "active";
}

export function keyTable(keys: ApiKey[], now: Date): string {
  if (keys.length === 0) return "no API keys";
  return table(
    ["ID", "NAME", "PREFIX", "SCOPES", "STATUS", "LAST USED", "CREATED"],
    keys.map((k) => [k.id, truncate(k.name, 30), k.prefix, k.scopes.join(","), keyStatus(k, now), shortTime(k.lastUsedAt), shortTime(k.createdAt)]),
  );
}

/** A key just issued: the only time it is shown. */
export function issuedKey(k: IssuedApiKey): string {
  return keyValues([
    ["id", k.id],
    ["name", k.name],
    ["scopes", k.scopes.join(", ")],
    ["api key", k.apiKey],
    ["created", shortTime(k.createdAt)],
  ]);
}

export const SHOWN_ONCE = "this API key is shown once: store it now (only a hash is kept; it cannot be shown again)";

function auditActor(a: AuditEntry["actor"]): string {
  if (a.type === "api_key") return a.name ? `${dash(a.id)} (${a.name})` : dash(a.id);
  return a.id ? `${a.type} ${a.id}` : a.type;
}

export function auditTable(entries: AuditEntry[]): string {
  if (entries.length === 0) return "no audit entries";
  return table(
    ["TIME", "ACTION", "ACTOR", "TARGET", "CHANGED"],
    entries.map((e) => [shortTime(e.at), e.action, auditActor(e.actor), e.target.id, truncate(Object.keys(e.changes ?? {}).join(",") || "-", 60)]),
  );
}
