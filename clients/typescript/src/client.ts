import type { components, operations } from "./schema.js";
import { SignedOutError, TanbiError } from "./errors.js";
import { fetchTransport, type Transport } from "./transport.js";
import { memoryStore, type TokenStore, type Tokens } from "./tokens.js";

export type Schemas = components["schemas"];

type JsonOf<R> = R extends { content: { "application/json": infer B } } ? B : void;
/** The decoded success body of an operation (by its OpenAPI operationId), taken from the generated types. */
export type Ok<Op extends keyof operations> = {
  [S in keyof operations[Op]["responses"]]: S extends 200 | 201 | 202 | 204 ? JsonOf<operations[Op]["responses"][S]> : never;
}[keyof operations[Op]["responses"]];
/** The JSON request body of an operation. */
export type Body<Op extends keyof operations> = operations[Op] extends {
  requestBody: { content: { "application/json": infer B } };
}
  ? B
  : never;

/** One page of a cursor-paged list: pass `next_cursor` back as `cursor`; `null` means the last page. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface PageParams {
  cursor?: string;
  limit?: number;
}

export interface ClientOptions {
  /** The service's origin, e.g. `https://tanbi.example.cn` (no trailing `/v1`). */
  baseUrl: string;
  /** Default: `fetchTransport()`. In a mini-program: `wxTransport(wx)`. */
  transport?: Transport;
  /** Default: `memoryStore()`. In a mini-program: `wxStorage(wx)`. */
  tokens?: TokenStore;
  /**
   * The `Accept-Language` sent with every request (`zh-CN`, `en`, ...): a value, or a function read per
   * request so a language switch applies at once. Default: the device's (`navigator.language`) when known.
   */
  language?: string | (() => string | undefined);
  /** Called after the tokens were cleared because the session ended (refresh refused). */
  onSignedOut?: (error: SignedOutError) => void;
}

interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Send the access token (and refresh it on a 401). Default true. */
  auth?: boolean;
}

/**
 * The resident API. Every call resolves with the decoded JSON body, or rejects with a `TanbiError`
 * (`SignedOutError` when the session ended). A 401 on an authenticated call refreshes the tokens once and
 * retries; concurrent 401s share one refresh.
 */
export class TanbiClient {
  readonly baseUrl: string;
  readonly transport: Transport;
  readonly tokens: TokenStore;
  private readonly language: () => string | undefined;
  private readonly onSignedOut: ((error: SignedOutError) => void) | undefined;
  private refreshing: Promise<Tokens> | null = null;
  /** Why the last session ended, for calls whose 401 arrives after the refresh was already refused. */
  private endedBy: SignedOutError | null = null;

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.transport = options.transport ?? fetchTransport();
    this.tokens = options.tokens ?? memoryStore();
    const language = options.language ?? deviceLanguage;
    this.language = typeof language === "function" ? language : () => language;
    this.onSignedOut = options.onSignedOut;
  }

  // --- sessions -------------------------------------------------------------------------------------------

  /** Dev sign-in by phone (sandbox and demo services only); stores the token pair. */
  async signInDev(phone: string): Promise<Ok<"auth_dev_login">> {
    const pair = await this.request<Ok<"auth_dev_login">>("POST", "/v1/auth/dev", { body: { phone }, auth: false });
    this.endedBy = null;
    await this.tokens.set({ accessToken: pair.access_token, refreshToken: pair.refresh_token });
    return pair;
  }

  /** WeChat sign-in with the code from `wx.login()`; stores the token pair. */
  async signInWechat(body: Body<"auth_wechat_login">): Promise<Ok<"auth_wechat_login">> {
    const pair = await this.request<Ok<"auth_wechat_login">>("POST", "/v1/auth/wechat", { body, auth: false });
    this.endedBy = null;
    await this.tokens.set({ accessToken: pair.access_token, refreshToken: pair.refresh_token });
    return pair;
  }

  /** Whether tokens are stored (they may still be refused by the service). */
  async isSignedIn(): Promise<boolean> {
    return (await this.tokens.get()) !== null;
  }

  /**
   * Rotates the token pair now. Concurrent callers (and concurrent 401s) share one refresh request, since a
   * refresh token is single-use: a second use is `refresh_token_reused`, which ends the session.
   */
  refresh(): Promise<Tokens> {
    if (!this.refreshing) {
      this.refreshing = this.doRefresh().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  /** Revokes the refresh token on the service (best effort) and clears the stored tokens. */
  async signOut(): Promise<void> {
    const tokens = await this.tokens.get();
    await this.tokens.set(null);
    if (!tokens) return;
    try {
      await this.request<void>("POST", "/v1/auth/logout", { body: { refresh_token: tokens.refreshToken }, auth: false });
    } catch (error) {
      if (!(error instanceof TanbiError) || error.status !== 401) throw error;
    }
  }

  private async doRefresh(): Promise<Tokens> {
    const current = await this.tokens.get();
    if (!current) throw await this.signedOut(new TanbiError(401, "not_signed_in", "no tokens stored; sign in"));
    let pair: Ok<"auth_refresh">;
    try {
      pair = await this.request<Ok<"auth_refresh">>("POST", "/v1/auth/refresh", {
        body: { refresh_token: current.refreshToken },
        auth: false,
      });
    } catch (error) {
      // 401 (reused, revoked, expired) or 422 (malformed): this refresh token will never work again.
      if (error instanceof TanbiError && (error.status === 401 || error.status === 422)) throw await this.signedOut(error);
      throw error;
    }
    const tokens = { accessToken: pair.access_token, refreshToken: pair.refresh_token };
    await this.tokens.set(tokens);
    this.endedBy = null;
    return tokens;
  }

  private async signedOut(cause: TanbiError): Promise<SignedOutError> {
    await this.tokens.set(null);
    const error = new SignedOutError(cause);
    this.endedBy = error;
    this.onSignedOut?.(error);
    return error;
  }

  // --- the resident ---------------------------------------------------------------------------------------

  me() {
    return this.request<Ok<"me_get">>("GET", "/v1/me");
  }
  updateMe(patch: Body<"me_update">) {
    return this.request<Ok<"me_update">>("PATCH", "/v1/me", { body: patch });
  }
  /** Deletes the resident's account; the tokens are cleared. */
  async deleteMe(): Promise<void> {
    await this.request<Ok<"me_delete">>("DELETE", "/v1/me");
    await this.tokens.set(null);
  }
  /** The city's districts (code and names), to choose from for `updateMe({ district })`. */
  districts() {
    return this.request<Ok<"districts_list">>("GET", "/v1/districts");
  }
  wallet() {
    return this.request<Ok<"me_wallet">>("GET", "/v1/me/wallet");
  }
  impact() {
    return this.request<Ok<"me_impact">>("GET", "/v1/me/impact");
  }

  actions(params: PageParams = {}) {
    return this.request<Ok<"me_actions_list">>("GET", "/v1/me/actions", { query: { ...params } });
  }
  allActions(params: Omit<PageParams, "cursor"> = {}) {
    return this.iterate((cursor) => this.actions({ ...params, cursor }));
  }
  action(actionId: number) {
    return this.request<Ok<"me_actions_get">>("GET", `/v1/me/actions/${actionId}`);
  }

  transfers(params: PageParams = {}) {
    return this.request<Ok<"me_transfers_list">>("GET", "/v1/me/transfers", { query: { ...params } });
  }
  allTransfers(params: Omit<PageParams, "cursor"> = {}) {
    return this.iterate((cursor) => this.transfers({ ...params, cursor }));
  }

  // --- bindings (a partner's link-token QR) ----------------------------------------------------------------

  bindings() {
    return this.request<Ok<"me_bindings_list">>("GET", "/v1/me/bindings");
  }
  /** Binds the resident to a partner account with the link token scanned from the partner's QR. */
  bind(token: string) {
    return this.request<Ok<"me_bindings_create">>("POST", "/v1/me/bindings", { body: { token } });
  }
  unbind(bindingId: number) {
    return this.request<Ok<"me_bindings_delete">>("DELETE", `/v1/me/bindings/${bindingId}`);
  }

  // --- offers, vouchers, pay-codes -------------------------------------------------------------------------

  offers(params: PageParams = {}) {
    return this.request<Ok<"offers_list">>("GET", "/v1/offers", { query: { ...params } });
  }
  allOffers(params: Omit<PageParams, "cursor"> = {}) {
    return this.iterate((cursor) => this.offers({ ...params, cursor }));
  }
  vouchers(params: PageParams = {}) {
    return this.request<Ok<"me_vouchers_list">>("GET", "/v1/me/vouchers", { query: { ...params } });
  }
  allVouchers(params: Omit<PageParams, "cursor"> = {}) {
    return this.iterate((cursor) => this.vouchers({ ...params, cursor }));
  }
  claimVoucher(offerId: number) {
    return this.request<Ok<"me_vouchers_claim">>("POST", "/v1/me/vouchers", { body: { offer_id: offerId } });
  }
  cancelVoucher(voucherId: number) {
    return this.request<Ok<"me_vouchers_cancel">>("POST", `/v1/me/vouchers/${voucherId}/cancel`);
  }
  /** A fresh pay-code to show as a QR; it expires at `expires_at` (about 60 s), so fetch a new one before then. */
  createPaycode() {
    return this.request<Ok<"me_paycodes_create">>("POST", "/v1/me/paycodes");
  }

  // --- achievements and notifications ---------------------------------------------------------------------

  achievements() {
    return this.request<Ok<"me_achievements">>("GET", "/v1/me/achievements");
  }
  yearReport(year: number) {
    return this.request<Ok<"me_year_report">>("GET", `/v1/me/reports/${year}`);
  }
  notifications(params: PageParams = {}) {
    return this.request<Ok<"me_notifications_list">>("GET", "/v1/me/notifications", { query: { ...params } });
  }
  allNotifications(params: Omit<PageParams, "cursor"> = {}) {
    return this.iterate((cursor) => this.notifications({ ...params, cursor }));
  }
  /** Marks notifications read: `{ ids: [...] }` or `{ up_to: id }`. */
  markNotificationsRead(body: Body<"me_notifications_read">) {
    return this.request<Ok<"me_notifications_read">>("POST", "/v1/me/notifications/read", { body });
  }
  notificationSubscriptions() {
    return this.request<Ok<"me_notification_subscriptions">>("GET", "/v1/me/notifications/subscriptions");
  }
  subscribeNotifications(body: Body<"me_notification_subscribe">) {
    return this.request<Ok<"me_notification_subscribe">>("POST", "/v1/me/notifications/subscriptions", { body });
  }

  // --- plumbing -------------------------------------------------------------------------------------------

  /** Walks a cursor-paged list from its first page to its last, one request per page. */
  async *iterate<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<T, void, undefined> {
    let cursor: string | undefined;
    do {
      const page = await fetchPage(cursor);
      yield* page.items;
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  }

  /** Any route: JSON in, JSON out, problem+json as `TanbiError`. Exposed for routes without a helper. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const auth = options.auth ?? true;
    let tokens = auth ? await this.tokens.get() : null;
    if (auth && !tokens) throw new TanbiError(401, "not_signed_in", "no tokens stored; sign in");
    let response = await this.send(method, path, options, tokens);
    if (auth && response.status === 401 && tokens) {
      tokens = await this.refreshAfter(tokens);
      response = await this.send(method, path, options, tokens);
    }
    if (response.status >= 400) throw TanbiError.fromResponse(response.status, response.body);
    if (!response.body) return undefined as T;
    return JSON.parse(response.body) as T;
  }

  /** The tokens to retry with after `used` got a 401: those another request already refreshed, or new ones. */
  private async refreshAfter(used: Tokens): Promise<Tokens> {
    if (this.refreshing) return this.refreshing;
    const current = await this.tokens.get();
    if (current && current.accessToken !== used.accessToken) return current;
    if (!current && this.endedBy) throw this.endedBy;
    return this.refresh();
  }

  private async send(method: string, path: string, options: RequestOptions, tokens: Tokens | null) {
    const headers: Record<string, string> = { accept: "application/json" };
    const language = this.language();
    if (language) headers["accept-language"] = language;
    if (tokens) headers["authorization"] = `Bearer ${tokens.accessToken}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    try {
      return await this.transport.request({ method, url: this.baseUrl + path + queryString(options.query), headers, body });
    } catch (error) {
      throw new TanbiError(0, "network_error", error instanceof Error ? error.message : String(error));
    }
  }
}

function queryString(query: RequestOptions["query"]): string {
  if (!query) return "";
  const parts = Object.entries(query)
    .filter(([, value]) => value !== undefined && value !== "")
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  return parts.length ? `?${parts.join("&")}` : "";
}

function deviceLanguage(): string | undefined {
  const nav = (globalThis as { navigator?: { language?: string } }).navigator;
  return nav?.language || undefined;
}

/**
 * The mini-program's language as an Accept-Language tag: `wx.getSystemInfoSync().language` is `zh_CN`, `en`, ...
 * Pass as `language: wxLanguage(wx)` (read per request, so a change in WeChat's settings applies).
 */
export function wxLanguage(wx: { getSystemInfoSync(): { language?: string } }): () => string | undefined {
  return () => wx.getSystemInfoSync().language?.replace("_", "-") || undefined;
}
