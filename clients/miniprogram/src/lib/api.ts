// The one TanbiClient of the mini-program, on wx.request and wx storage, and how a resident gets signed in.
import { TanbiClient, wxStorage, wxTransport, type WxLike } from "@tanbi/client";
import { API_BASE_URL, BASE_URL_OVERRIDE_KEY } from "../config";
import { acceptLanguage } from "./i18n";
import { hasCode } from "./problems";

let client: TanbiClient | null = null;
let signingIn: Promise<boolean> | null = null;

/** The service's origin: config.ts by the mini-program's version, or the stored override outside release. */
export function baseUrl(): string {
  const env = wx.getAccountInfoSync().miniProgram.envVersion;
  if (env !== "release") {
    const override = wx.getStorageSync(BASE_URL_OVERRIDE_KEY);
    if (typeof override === "string" && override) return override;
  }
  return API_BASE_URL[env] ?? API_BASE_URL.release;
}

export function tanbi(): TanbiClient {
  if (!client) {
    client = new TanbiClient({
      baseUrl: baseUrl(),
      transport: wxTransport(wx as unknown as WxLike),
      tokens: wxStorage(wx),
      language: acceptLanguage,
    });
  }
  return client;
}

/** Forgets the client (after the base URL changed); tokens stay in storage. */
export function resetClient(): void {
  client = null;
}

function wxLogin(): Promise<string> {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (result) => (result.code ? resolve(result.code) : reject(new Error(result.errMsg))),
      fail: (error) => reject(new Error(error.errMsg)),
    });
  });
}

/**
 * Signs in with `wx.login` unless tokens are stored. When the service has no WeChat sign-in (a sandbox or
 * `tanbi serve --demo`), it opens the dev sign-in page and answers false: the page's work waits for that.
 * Pages that show at once share one sign-in.
 */
export function ensureSignedIn(): Promise<boolean> {
  if (!signingIn) {
    signingIn = signIn().finally(() => {
      signingIn = null;
    });
  }
  return signingIn;
}

async function signIn(): Promise<boolean> {
  const api = tanbi();
  if (await api.isSignedIn()) return true;
  try {
    await api.signInWechat({ code: await wxLogin() });
    return true;
  } catch (error) {
    if (!hasCode(error, "wechat_not_configured")) throw error;
  }
  const pages = getCurrentPages();
  if (pages[pages.length - 1]?.route !== "pages/signin/index") wx.navigateTo({ url: "/pages/signin/index" });
  return false;
}

/** A fresh `wx.login` code, which subscribe-message opt-ins carry so the service learns the openid. */
export const loginCode = wxLogin;
