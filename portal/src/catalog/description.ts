import type { EventType } from "../api/types";
import { en, type MessageKey } from "../i18n/en";
import type { Translate } from "../i18n/translate";

/**
 * The built-in event types (src/event-types/catalog.ts `BUILTIN_EVENT_TYPES`) are described in
 * the catalog under `eventType.<name>`; the English there is the server's own (a unit test
 * holds them equal). An account's own types, and a built-in type this portal does not know
 * yet, keep the description the API sent.
 */
export function builtInDescriptionKey(name: string): MessageKey | undefined {
  const key = `eventType.${name}`;
  return Object.hasOwn(en, key) ? (key as MessageKey) : undefined;
}

/** An event type's description in the viewer's language where the portal has one. */
export function eventTypeDescription(type: Pick<EventType, "name" | "builtIn" | "description">, t: Translate): string {
  const key = type.builtIn ? builtInDescriptionKey(type.name) : undefined;
  return key ? t(key) : type.description;
}
