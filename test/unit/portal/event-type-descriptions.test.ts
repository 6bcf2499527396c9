import { builtInDescriptionKey, eventTypeDescription } from "../../../portal/src/catalog/description";
import { ar } from "../../../portal/src/i18n/ar";
import { en, type MessageKey } from "../../../portal/src/i18n/en";
import { pt } from "../../../portal/src/i18n/pt";
import { translator } from "../../../portal/src/i18n/translate";
import { BUILTIN_EVENT_TYPES } from "../../../src/event-types/catalog";

const TRANSLATIONS = { pt, ar } as const;

describe("the built-in event types' descriptions in the portal", () => {
  test.each(BUILTIN_EVENT_TYPES.map((type) => [type.name, type.description]))("%s reads in English exactly as the server describes it", (name, description) => {
    const key = builtInDescriptionKey(name);
    expect({ name, english: key && en[key] }).toEqual({ name, english: description });
  });

  test.each(Object.entries(TRANSLATIONS))("%s translates every built-in type's description", (_locale, messages) => {
    for (const { name } of BUILTIN_EVENT_TYPES) {
      const key = builtInDescriptionKey(name);
      const text = key ? messages[key] : undefined;
      expect({ name, translated: Boolean(text?.trim()) && text !== en[key!] }).toEqual({ name, translated: true });
    }
  });

  test("the catalog describes no event type the server does not have built in", () => {
    const described = (Object.keys(en) as MessageKey[]).filter((k) => k.startsWith("eventType.")).map((k) => k.slice("eventType.".length));
    expect(described.sort()).toEqual(BUILTIN_EVENT_TYPES.map((t) => t.name).sort());
  });

  test("are shown in the viewer's language; an account's own type keeps its own description, as does a built-in one the portal does not know", () => {
    const t = translator(pt);
    const builtIn = BUILTIN_EVENT_TYPES[0]!;
    expect(eventTypeDescription({ ...builtIn, builtIn: true }, t)).toBe(pt[builtInDescriptionKey(builtIn.name)!]);
    expect(eventTypeDescription({ name: builtIn.name, description: "Our own words", builtIn: false }, t)).toBe("Our own words");
    expect(eventTypeDescription({ name: "brand.new", description: "Added on the server later", builtIn: true }, t)).toBe("Added on the server later");
  });
});
