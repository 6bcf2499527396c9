import type { AuditEntry } from "../api/types";
import type { MessageKey } from "../i18n/en";

/**
 * What a webhook's History shows of one audit entry, decided here without React: the action's
 * label, who made the change, and each changed field with its before and after. A secret is
 * only ever "changed": the API never has its value, and this never looks for one.
 */
const ACTION_LABEL: Record<string, MessageKey> = {
  "webhook.created": "history.action.webhook.created",
  "webhook.updated": "history.action.webhook.updated",
  "webhook.secret_rotated": "history.action.webhook.secret_rotated",
  "webhook.paused": "history.action.webhook.paused",
  "webhook.disabled": "history.action.webhook.disabled",
  "webhook.enabled": "history.action.webhook.enabled",
  "webhook.deleted": "history.action.webhook.deleted",
  "replay.started": "history.action.replay.started",
  "replay.cancelled": "history.action.replay.cancelled",
};

/** The badge's colour: the notices' tones, so a disable looks the same in both sections. */
export type HistoryTone = "neutral" | "stopped" | "resumed" | "secret";
const ACTION_TONE: Record<string, HistoryTone> = {
  "webhook.paused": "stopped",
  "webhook.disabled": "stopped",
  "webhook.deleted": "stopped",
  "webhook.enabled": "resumed",
  "replay.started": "resumed",
  "replay.cancelled": "stopped",
  "webhook.secret_rotated": "secret",
};

const FIELD_LABEL: Record<string, MessageKey> = {
  url: "history.field.url",
  description: "history.field.description",
  eventTypes: "history.field.eventTypes",
  dialect: "history.field.dialect",
  verifyToken: "history.field.verifyToken",
  secret: "history.field.secret",
  clientCertificate: "history.field.clientCertificate",
  clientKey: "history.field.clientKey",
  status: "history.field.status",
  disabledReason: "history.field.disabledReason",
  previousSecretExpiresAt: "history.field.previousSecretExpiresAt",
};

/** Fields whose values are instants, shown in the viewer's zone. */
const DATE_FIELDS = new Set(["previousSecretExpiresAt"]);

export type FieldValue = { kind: "none" } | { kind: "text"; text: string } | { kind: "list"; items: string[] } | { kind: "date"; iso: string } | { kind: "status"; status: "active" | "disabled" | "deleted" };

export type FieldLine =
  | { field: string; label: MessageKey | null; kind: "secret" }
  | { field: string; label: MessageKey | null; kind: "created"; to: FieldValue }
  | { field: string; label: MessageKey | null; kind: "changed"; from: FieldValue; to: FieldValue };

export type Who = { kind: "apiKey"; name: string } | { kind: "admin" } | { kind: "portal" } | { kind: "you" } | { kind: "system" };

export interface HistoryLine {
  id: string;
  at: string;
  label: MessageKey;
  tone: HistoryTone;
  who: Who;
  fields: FieldLine[];
  /** A pause's note, or why the system disabled it. */
  note: { kind: "note" | "reason"; text: string } | null;
  requestId: string | null;
}

function valueOf(field: string, v: unknown): FieldValue {
  if (v === null || v === undefined || v === "") return { kind: "none" };
  if (field === "status" && (v === "active" || v === "disabled" || v === "deleted")) return { kind: "status", status: v };
  if (DATE_FIELDS.has(field) && typeof v === "string") return { kind: "date", iso: v };
  if (Array.isArray(v)) return v.length === 0 ? { kind: "none" } : { kind: "list", items: v.map(String) };
  return { kind: "text", text: typeof v === "string" ? v : JSON.stringify(v) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function fieldLines(entry: AuditEntry): FieldLine[] {
  const lines: FieldLine[] = [];
  for (const [field, change] of Object.entries(entry.changes ?? {})) {
    const label = FIELD_LABEL[field] ?? null;
    if (!isRecord(change)) continue;
    if (change.changed === true) lines.push({ field, label, kind: "secret" });
    else if ("from" in change || "to" in change) {
      const to = valueOf(field, change.to);
      if (change.from === null || change.from === undefined) {
        // A creation lists what was set; a field set to nothing at creation says nothing.
        if (to.kind === "none") continue;
        // An update that sets a field that was empty is still a change, "none → value".
        lines.push(entry.action === "webhook.updated" ? { field, label, kind: "changed", from: { kind: "none" }, to } : { field, label, kind: "created", to });
      } else lines.push({ field, label, kind: "changed", from: valueOf(field, change.from), to });
    }
  }
  // In the form's order, whatever order the stored JSON keeps its keys in.
  const order = Object.keys(FIELD_LABEL);
  const rank = (f: string) => (order.includes(f) ? order.indexOf(f) : order.length);
  return lines.sort((a, b) => rank(a.field) - rank(b.field));
}

/** `sessionId`: the viewer's own session, whose changes read "by you". */
export function historyLine(entry: AuditEntry, sessionId: string | null): HistoryLine {
  const a = entry.actor;
  const who: Who =
    a.type === "api_key"
      ? { kind: "apiKey", name: a.name ?? a.id ?? "" }
      : a.type === "portal_session"
        ? a.id !== null && a.id === sessionId
          ? { kind: "you" }
          : { kind: "portal" }
        : a.type === "admin"
          ? { kind: "admin" }
          : { kind: "system" };
  const note = entry.reason ? { kind: entry.action === "webhook.paused" ? ("note" as const) : ("reason" as const), text: entry.reason } : null;
  return {
    id: entry.id,
    at: entry.at,
    label: ACTION_LABEL[entry.action] ?? "history.action.other",
    tone: ACTION_TONE[entry.action] ?? "neutral",
    who,
    // A deletion's "url → none" says nothing the label does not.
    fields: entry.action === "webhook.deleted" ? [] : fieldLines(entry).filter((f) => f.field !== "disabledReason"),
    note,
    requestId: entry.requestId,
  };
}
