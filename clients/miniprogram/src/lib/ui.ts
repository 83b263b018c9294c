// How pages run their work: signed in first, errors shown (never thrown into WeChat), a busy flag for the view.
import { ensureSignedIn } from "./api";
import { strings } from "./i18n";
import { errorText, isSignedOut } from "./problems";

type AnyPage = WechatMiniprogram.Page.TrivialInstance;

interface GuardOptions {
  /** An action the resident took (a tap): its failure is also shown as a toast. */
  action?: boolean;
}

/**
 * Runs `work` once the resident is signed in. A failure sets `error` (the service's detail, in the resident's
 * language) and answers false; a session that ended signs in again and retries once. `loading` is true
 * meanwhile, and `error` is cleared when work starts.
 */
export async function guarded(page: AnyPage, work: () => Promise<void>, options: GuardOptions = {}): Promise<boolean> {
  page.setData({ loading: true, error: "" });
  try {
    if (!(await ensureSignedIn())) return false;
    try {
      await work();
    } catch (error) {
      if (!isSignedOut(error)) throw error;
      if (!(await ensureSignedIn())) return false;
      await work();
    }
    return true;
  } catch (error) {
    const text = errorText(error);
    page.setData({ error: text });
    if (options.action) wx.showToast({ title: text, icon: "none", duration: 3000 });
    return false;
  } finally {
    page.setData({ loading: false });
  }
}

/** Asks before something that costs coins or cannot be undone. */
export function confirm(content: string, danger = false): Promise<boolean> {
  const t = strings();
  return new Promise((resolve) => {
    wx.showModal({
      content,
      confirmText: t.confirm,
      cancelText: t.cancel,
      confirmColor: danger ? "#e64340" : "#07c160",
      success: (result) => resolve(result.confirm),
      fail: () => resolve(false),
    });
  });
}

export function toast(title: string): void {
  wx.showToast({ title, icon: "success" });
}

const TABS = ["home", "footprint", "redeem", "inbox", "me"] as const;

/** The tab bar's labels in the language in use (app.json holds the Chinese ones). */
export function applyTabTexts(): void {
  const t = strings();
  TABS.forEach((tab, index) => wx.setTabBarItem({ index, text: t[tab] }));
}
