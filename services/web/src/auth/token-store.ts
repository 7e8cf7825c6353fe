/** Where the page keeps the bearer token between visits (localStorage in the browser). */
export interface TokenStore {
  get(): string | null;
  set(token: string): void;
  clear(): void;
}

const KEY = 'revive.token';

/** A token store over Web Storage; with no storage (private mode, tests) the token lives in memory. */
export function createTokenStore(storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null): TokenStore {
  let memory: string | null = null;
  return {
    get: () => {
      try {
        return storage?.getItem(KEY) ?? memory;
      } catch {
        return memory;
      }
    },
    set: (token) => {
      memory = token.trim();
      try {
        storage?.setItem(KEY, memory);
      } catch {
        // Storage full or refused: the token still works until the page is closed.
      }
    },
    clear: () => {
      memory = null;
      try {
        storage?.removeItem(KEY);
      } catch {
        // Nothing stored, nothing to remove.
      }
    },
  };
}

/** The `Authorization` value for a token, or null when signed out. */
export function bearer(token: string | null): string | null {
  return token ? `Bearer ${token}` : null;
}
