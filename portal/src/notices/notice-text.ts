import type { Notice } from "../api/types";
import type { MessageKey } from "../i18n/en";
import type { Formatters } from "../i18n/format";
import type { Translate } from "../i18n/translate";

export type NoticeType = Notice["type"];

/** The badge of each type, and its look (a `badge-notice-*` class and a glyph beside the word). */
export const NOTICE_KIND: Record<NoticeType, { label: MessageKey; tone: "disabled" | "failing" | "recovered" | "exhausted"; glyph: string }> = {
  "webhook.disabled": { label: "notice.type.disabled", tone: "disabled", glyph: "⊘" },
  "webhook.failing": { label: "notice.type.failing", tone: "failing", glyph: "!" },
  "webhook.recovered": { label: "notice.type.recovered", tone: "recovered", glyph: "✓" },
  "delivery.exhausted": { label: "notice.type.exhausted", tone: "exhausted", glyph: "×" },
};

/** The operational event types, for the empty state's "subscribe to …". */
export const NOTICE_TYPES = Object.keys(NOTICE_KIND) as NoticeType[];

/**
 * A notice in words. `text` is in the viewer's language with every number and date formatted;
 * it may keep two placeholders for the page to fill with elements: `{delivery}` (a link to the
 * delivery) and `{reason}` (the server's own English text, for a disable reason the portal has
 * no words for, isolated so its direction holds in Arabic).
 */
export interface NoticeSentence {
  text: string;
  delivery: { id: string; eventId: string } | null;
  reason: string | null;
  /** Why the last attempt failed, as the API words it ("HTTP 503"): FailureText renders it. */
  lastError: string | null;
}

const sentence = (text: string, extra: Partial<Omit<NoticeSentence, "text">> = {}): NoticeSentence => ({ text, delivery: null, reason: null, lastError: null, ...extra });

/** What a notice says, built from its payload (src/operational/payloads.ts is the contract). */
export function noticeSentence(notice: Notice, t: Translate, fmt: Pick<Formatters, "number" | "hour">): NoticeSentence {
  switch (notice.type) {
    case "webhook.disabled": {
      const { reasonCode, reason } = notice.data;
      if (reasonCode === "gone") return sentence(t("notice.disabled.gone"));
      if (reasonCode === "failing") return sentence(t("notice.disabled.failing"));
      // A code added after this portal was built: the server's words.
      return sentence(t("notice.disabled.other"), { reason });
    }
    case "webhook.failing": {
      const { consecutiveFailures, failingSince, lastError } = notice.data;
      const count = fmt.number(consecutiveFailures);
      const text = failingSince ? t("notice.failing", { count, since: fmt.hour(failingSince) }) : t("notice.failingNoSince", { count });
      return sentence(text, { lastError });
    }
    case "webhook.recovered": {
      const { failingSince } = notice.data;
      return sentence(failingSince ? t("notice.recoveredSince", { since: fmt.hour(failingSince) }) : t("notice.recovered"));
    }
    case "delivery.exhausted": {
      const { delivery, alsoExhausted, lastError } = notice.data;
      const attempts = fmt.number(delivery.attempts);
      const text = alsoExhausted > 0 ? t("notice.exhaustedMore", { attempts, count: fmt.number(alsoExhausted) }) : t("notice.exhausted", { attempts });
      return sentence(text, { delivery: { id: delivery.id, eventId: delivery.eventId }, lastError });
    }
    default: {
      // A type added after this portal was built: its name, as the API sends it.
      const unknown: { type: string } = notice;
      return sentence(unknown.type);
    }
  }
}

export interface SentencePart {
  kind: "text" | "delivery" | "reason";
  value: string;
}

/** `text` cut at its `{delivery}` and `{reason}` placeholders, for the page to render each part. */
export function sentenceParts(s: NoticeSentence): SentencePart[] {
  const parts: SentencePart[] = [];
  for (const [i, piece] of s.text.split(/\{(delivery|reason)\}/).entries()) {
    if (i % 2 === 0) {
      if (piece) parts.push({ kind: "text", value: piece });
    } else if (piece === "delivery" && s.delivery) parts.push({ kind: "delivery", value: s.delivery.id });
    else if (piece === "reason" && s.reason !== null) parts.push({ kind: "reason", value: s.reason });
  }
  return parts;
}
