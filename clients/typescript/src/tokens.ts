/** Where the access and refresh tokens live between requests (and, in the mini-program, between launches). */
export interface Tokens {
  accessToken: string;
  refreshToken: string;
}

type MaybePromise<T> = T | Promise<T>;

export interface TokenStore {
  get(): MaybePromise<Tokens | null>;
  /** `null` clears them (sign-out). */
  set(tokens: Tokens | null): MaybePromise<void>;
}

/** Tokens in memory only: for tests, servers, and pages that sign in every time. */
export function memoryStore(initial: Tokens | null = null): TokenStore {
  let tokens = initial;
  return {
    get: () => tokens,
    set: (next) => {
      tokens = next;
    },
  };
}

/** The part of `wx` the storage adapter needs. */
export interface WxStorageLike {
  getStorageSync(key: string): unknown;
  setStorageSync(key: string, value: unknown): void;
  removeStorageSync(key: string): void;
}

/** Tokens in the mini-program's storage (`wx.setStorageSync`), so a resident stays signed in across launches. */
export function wxStorage(wx: WxStorageLike, key = "tanbi.tokens"): TokenStore {
  return {
    get() {
      const value = wx.getStorageSync(key);
      if (value && typeof value === "object" && "accessToken" in value && "refreshToken" in value) return value as Tokens;
      return null;
    },
    set(tokens) {
      if (tokens) wx.setStorageSync(key, tokens);
      else wx.removeStorageSync(key);
    },
  };
}
