import { en, type MessageKey, type Messages } from "./en";

/** Vars are inserted as given: format numbers and dates first (Formatters), so they read in the viewer's locale. */
export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** `t(key, vars)` over one catalog: `{name}` is replaced by `vars.name`; a key the catalog lacks reads in English. */
export function translator(messages: Messages): Translate {
  return (key, vars) => {
    const text = messages[key] ?? en[key];
    return vars ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m)) : text;
  };
}
