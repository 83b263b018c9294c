// 绑定: scan a partner's link-token QR to link the resident's account there (bus card, metro, bikes, the grid...),
// list the links with the partners' names, unlink.
import { date, fill, guarded, confirm, strings, tanbi, toast, type Schemas } from "../../lib/index";

interface BindingRow {
  id: number;
  partner: string;
  since: string;
}

/**
 * The link token in a scanned text: the token itself, or a link carrying it as `token=` (a partner may put a
 * URL in the QR so a phone camera opens its page). Null when the text is neither.
 */
function linkToken(text: string): string | null {
  const trimmed = text.trim();
  const inLink = /[?&#]token=([^&#\s]+)/.exec(trimmed);
  if (inLink?.[1]) return decodeURIComponent(inLink[1]);
  return /^[A-Za-z0-9_\-.~]{8,512}$/.test(trimmed) ? trimmed : null;
}

function rows(bindings: Schemas["BindingOut"][]): BindingRow[] {
  const since = strings().boundSince;
  return bindings
    .filter((b) => !b.unbound_at)
    .map((b) => ({ id: b.id, partner: b.partner_name, since: fill(since, { date: date(b.created_at) }) }));
}

function scan(): Promise<string | null> {
  return new Promise((resolve, reject) => {
    wx.scanCode({
      scanType: ["qrCode"],
      success: (result) => resolve(result.result),
      fail: (error) => (/cancel/.test(error.errMsg) ? resolve(null) : reject(new Error(error.errMsg))),
    });
  });
}

Page({
  data: { t: strings(), loading: false, error: "", bindings: [] as BindingRow[] },

  onShow() {
    wx.setNavigationBarTitle({ title: strings().bind });
    return this.load();
  },

  load() {
    return guarded(this, async () => {
      this.setData({ t: strings(), bindings: rows(await tanbi().bindings()) });
    });
  },

  /** Opens the camera; a link token read binds at once. A cancelled scan does nothing. */
  scanToBind() {
    return guarded(
      this,
      async () => {
        const text = await scan();
        if (text === null) return;
        const token = linkToken(text);
        if (!token) throw new Error(strings().notALinkToken);
        const binding = await tanbi().bind(token);
        toast(fill(strings().boundTo, { partner: binding.partner_name }));
        this.setData({ bindings: rows(await tanbi().bindings()) });
      },
      { action: true },
    );
  },

  async unbind(event: WechatMiniprogram.TouchEvent) {
    const id = Number(event.currentTarget.dataset.id);
    const row = this.data.bindings.find((b) => b.id === id);
    if (!row || !(await confirm(fill(strings().unbindConfirm, { partner: row.partner }), true))) return false;
    return guarded(
      this,
      async () => {
        await tanbi().unbind(id);
        toast(strings().unbound);
        this.setData({ bindings: this.data.bindings.filter((b) => b.id !== id) });
      },
      { action: true },
    );
  },
});
