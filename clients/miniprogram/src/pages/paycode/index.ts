// 付款码: a pay-code QR for the merchant's scanner. Codes live about 60 s, so a fresh one replaces it before it
// expires, and only while the page shows: hidden or closed, nothing is fetched.
import { guarded, strings, tanbi, drawQr } from "../../lib/index";

/** When to fetch the next code: at 80 % of this one's life, bounded so a phone's wrong clock cannot spin or stall it. */
function renewIn(expiresAt: string, now = Date.now()): number {
  const life = Date.parse(expiresAt) - now;
  return Math.min(48_000, Math.max(3_000, Math.round(life * 0.8)));
}

Page({
  data: { t: strings(), loading: false, error: "", paycode: "", expiresAt: "" },
  /** The pending renewal, and whether the page shows (a code that arrives after onHide is dropped). */
  timer: null as ReturnType<typeof setTimeout> | null,
  showing: false,

  onShow() {
    this.showing = true;
    wx.setNavigationBarTitle({ title: strings().paycode });
    wx.setKeepScreenOn({ keepScreenOn: true });
    this.setData({ t: strings() });
    return this.renew();
  },

  onHide() {
    this.stop();
  },

  onUnload() {
    this.stop();
  },

  stop() {
    this.showing = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    wx.setKeepScreenOn({ keepScreenOn: false });
  },

  /** Fetches and draws a code, then schedules the next; a failure leaves the error and a retry button. */
  renew() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    return guarded(this, async () => {
      const code = await tanbi().createPaycode();
      if (!this.showing) return; // hidden while the request was out: show nothing, schedule nothing
      this.setData({ paycode: code.paycode, expiresAt: code.expires_at });
      await drawQr(this, "#paycode", code.paycode);
      this.timer = setTimeout(() => void this.renew(), renewIn(code.expires_at));
    });
  },
});
