/**
 * Where the session token lives: sessionStorage (survives a reload, ends with the tab), or
 * memory when storage throws, as it does inside a third-party iframe with storage blocked.
 */
export interface TokenStore {
  get(): string | null;
  set(token: string): void;
  clear(): void;
}

const KEY = "hookrelay.portal.sessionToken";

export function createTokenStore(storage: () => Storage): TokenStore {
  let memory: string | null = null;
  const attempt = <T,>(fn: (s: Storage) => T): T | undefined => {
    try {
      return fn(storage());
    } catch {
      return undefined;
    }
  };
  return {
    get: () => memory ?? attempt((s) => s.getItem(KEY)) ?? null,
    set(token) {
      memory = token;
      attempt((s) => s.setItem(KEY, token));
    },
    clear() {
      memory = null;
      attempt((s) => s.removeItem(KEY));
    },
  };
}
